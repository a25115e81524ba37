// The dev-loop test's own parts that need no cluster: reading skaffold's output (lines copied from
// a real `skaffold dev` run on the local cluster) and editing a file around its anchor.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countBuilds, portForwardOf, startFailures, syncedFiles } from './skaffold-log.ts';
import { SourceEdit } from './work-tree.ts';

const TAG = 'localhost:5001/xwing:c985d928@sha256:2f4f87f5';
const DEV_LOG = [
  'Building [localhost:5001/xwing]...',
  'Build [localhost:5001/xwing] succeeded',
  'Port forwarding service/xwing in namespace xwing, remote port 9464 -> http://127.0.0.1:9464',
  'Port forwarding service/xwing in namespace xwing, remote port 80 -> http://127.0.0.1:8080',
  'Watching for changes...',
  `Syncing 1 files for ${TAG}`,
  'Watching for changes...',
  "[api]Change detected in '/app/app/src/health/probes.ts'",
  '[api]file:///app/app/src/health/probes.ts:20',
  "[api]  res.writeHead(status, { 'Cache-Control': 'no-store' 'X-Dev-Loop': 'broken', ...headers }).end(body);",
  '[api]                                                      ^^^^^^^^^^^^',
  '[api]}',
  '[api]',
  "[api]SyntaxError [ERR_INVALID_TYPESCRIPT_SYNTAX]: Expected ',', got 'string literal'",
  '[api]    at parseTypeScript (node:internal/modules/typescript:72:36)',
].join('\n');

describe("skaffold's output", () => {
  it('counts image builds and synced files', () => {
    expect(countBuilds(DEV_LOG)).toBe(1);
    expect(countBuilds(DEV_LOG.slice(DEV_LOG.indexOf('Syncing')))).toBe(0);
    expect(syncedFiles(DEV_LOG)).toBe(1);
    expect(syncedFiles(`${DEV_LOG}\nSyncing 2 files for ${TAG}`)).toBe(3);
  });

  it('finds the local port of a forward, the latest when skaffold forwarded anew', () => {
    expect(portForwardOf(DEV_LOG, 'service/xwing', 80)).toEqual({
      resource: 'service/xwing', namespace: 'xwing', remotePort: 80, address: '127.0.0.1', localPort: 8080,
    });
    const again = `${DEV_LOG}\nPort forwarding service/xwing in namespace xwing, remote port 80 -> http://127.0.0.1:4503`;
    expect(portForwardOf(again, 'service/xwing', 80)?.localPort).toBe(4503);
    expect(portForwardOf(DEV_LOG, 'service/other', 80)).toBeUndefined();
  });

  it("shows a failed start from the line naming the file to Node's SyntaxError", () => {
    const lines = startFailures(DEV_LOG, 'probes.ts');
    expect(lines[0]).toBe('[api]file:///app/app/src/health/probes.ts:20');
    expect(lines.at(-1)).toContain('ERR_INVALID_TYPESCRIPT_SYNTAX');
    expect(startFailures(DEV_LOG, 'checks.ts')).toEqual([]);
    expect(startFailures(DEV_LOG.slice(0, DEV_LOG.indexOf('[api]SyntaxError')), 'probes.ts')).toEqual([]);
  });
});

describe('SourceEdit', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'xwing-dev-loop-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces its anchor in the original text each time, and restores the original', () => {
    const file = join(dir, 'a.ts');
    writeFileSync(file, "const a = { x: 1 };\nexport const $ = '$&';\n");
    const edit = new SourceEdit(file, '{ x: 1 }');
    edit.replaceAnchor("{ x: 2, y: '$&' }");
    expect(readFileSync(file, 'utf8')).toBe("const a = { x: 2, y: '$&' };\nexport const $ = '$&';\n");
    edit.replaceAnchor('{ x: 3 }');
    expect(readFileSync(file, 'utf8')).toBe("const a = { x: 3 };\nexport const $ = '$&';\n");
    edit.restore();
    expect(readFileSync(file, 'utf8')).toBe("const a = { x: 1 };\nexport const $ = '$&';\n");
  });

  it('refuses a file whose anchor is missing or not unique, naming the file', () => {
    const file = join(dir, 'b.ts');
    writeFileSync(file, 'f(1); f(1);\n');
    expect(() => new SourceEdit(file, 'f(2)')).toThrow(/b\.ts.*found it 0 times/);
    expect(() => new SourceEdit(file, 'f(1)')).toThrow(/found it 2 times/);
  });
});
