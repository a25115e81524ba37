// Summarises a V8 .cpuprofile (node --cpu-prof): self time by function, and self and inclusive time by
// package (a node_modules package, a file of the service, a Node internal module, GC), so that the
// cost of each piece of middleware shows up with everything it calls.
import { readFileSync } from 'node:fs';

function category(frame) {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const dist = /\/dist\/(.+)\.js$/.exec(url);
  if (dist) return `xwing:${dist[1]}`;
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  return url.replace(/^file:\/\/.*\/bench\//, 'bench:');
}

export function summarise(path, top = 25) {
  const profile = JSON.parse(readFileSync(path, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map();
  const pkgSelf = new Map();
  const pkgIncl = new Map();
  let total = 0;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (node.callFrame.functionName === '(idle)') {
      idle += dt;
      return;
    }
    total += dt;
    const f = node.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${category(f)}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + dt);
    const cat = category(f);
    pkgSelf.set(cat, (pkgSelf.get(cat) ?? 0) + dt);
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) seen.add(category(byId.get(at).callFrame));
    for (const c of seen) pkgIncl.set(c, (pkgIncl.get(c) ?? 0) + dt);
  });
  const pct = (v) => Math.round((v / total) * 1000) / 10;
  const rank = (m) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, us]) => ({ name, percent: pct(us) }));
  return {
    busyMs: Math.round(total / 1000),
    idleMs: Math.round(idle / 1000),
    selfByFunction: rank(self),
    selfByPackage: rank(pkgSelf),
    inclusiveByPackage: rank(pkgIncl),
  };
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  for (const file of process.argv.slice(2)) {
    const s = summarise(file);
    console.log(`# ${file}: ${s.busyMs} ms busy, ${s.idleMs} ms idle`);
    for (const [title, rows] of [['self by package', s.selfByPackage], ['inclusive by package', s.inclusiveByPackage], ['self by function', s.selfByFunction]]) {
      console.log(`\n## ${title}`);
      for (const r of rows) console.log(`${String(r.percent).padStart(5)} %  ${r.name}`);
    }
  }
}
