// Summarises a V8 .cpuprofile (node --cpu-prof): self time by function, and self and inclusive time by
// package (a node_modules package, a file of the service, a Node internal module, GC), so that the
// cost of each piece of middleware shows up with everything it calls.
// Also a command: node bench/cpuprofile-summary.ts <file.cpuprofile>...
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { frameLayer, OTHER_LAYER } from './layers.ts';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function category({ url, functionName }: CallFrame): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  const dist = /\/dist\/(.+)\.js$/.exec(url)?.[1];
  if (dist) return `xwing:${dist}`;
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  return url.replace(/^file:\/\/.*\/bench\//, 'bench:');
}

const add = (map: Map<string, number>, key: string, value: number) => map.set(key, (map.get(key) ?? 0) + value);

export function summarise(path: string, top = 25) {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const pkgSelf = new Map<string, number>();
  const pkgIncl = new Map<string, number>();
  const layerTime = new Map<string, number>();
  const layerOfNode = new Map<number, string>();
  const layerOf = (id: number): string => {
    const known = layerOfNode.get(id);
    if (known !== undefined) return known;
    const frame = byId.get(id)?.callFrame;
    const up = parent.get(id);
    const layer = (frame && frameLayer(frame, category(frame))) ?? (up === undefined ? OTHER_LAYER : layerOf(up));
    layerOfNode.set(id, layer);
    return layer;
  };
  let total = 0;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (!node) return;
    const f = node.callFrame;
    if (f.functionName === '(idle)') {
      idle += dt;
      return;
    }
    total += dt;
    add(self, `${f.functionName || '(anonymous)'} ${category(f)}:${f.lineNumber + 1}`, dt);
    add(pkgSelf, category(f), dt);
    add(layerTime, layerOf(id), dt);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (frame) seen.add(category(frame));
    }
    for (const c of seen) add(pkgIncl, c, dt);
  });
  const rank = (m: Map<string, number>) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, us]) => ({ name, percent: Math.round((us / total) * 1000) / 10 }));
  return {
    busyMs: Math.round(total / 1000),
    idleMs: Math.round(idle / 1000),
    selfByFunction: rank(self),
    selfByPackage: rank(pkgSelf),
    inclusiveByPackage: rank(pkgIncl),
    /** Every layer (layers.ts), as a share of the busy time. */
    byLayer: [...layerTime].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ name, share: us / total })),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const file of process.argv.slice(2)) {
    const s = summarise(file);
    console.log(`# ${file}: ${s.busyMs} ms busy, ${s.idleMs} ms idle`);
    console.log('\n## by layer');
    for (const r of s.byLayer) console.log(`${(r.share * 100).toFixed(1).padStart(5)} %  ${r.name}`);
    for (const [title, rows] of [['self by package', s.selfByPackage], ['inclusive by package', s.inclusiveByPackage], ['self by function', s.selfByFunction]] as const) {
      console.log(`\n## ${title}`);
      for (const r of rows) console.log(`${String(r.percent).padStart(5)} %  ${r.name}`);
    }
  }
}
