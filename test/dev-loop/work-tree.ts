// The dev-loop test edits sources, so it runs skaffold in a copy of the working tree: the clone
// (and whatever another process is editing in it meanwhile) is never written to, even when the
// test dies half-way.
import { execFileSync } from 'node:child_process';
import { cpSync, lstatSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Copies the files git would see in `repoRoot` (tracked and untracked, not ignored: no
 * node_modules, .tools or results) into a fresh `dest`, as they are on disk now; returns how many.
 */
export function copyWorkingTree(repoRoot: string, dest: string): number {
  const listed = execFileSync('git', ['-C', repoRoot, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    encoding: 'utf8',
    timeout: 30_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  rmSync(dest, { recursive: true, force: true });
  let copied = 0;
  for (const file of new Set(listed.split('\0').filter((name) => name !== ''))) {
    const from = join(repoRoot, file);
    try {
      lstatSync(from);
    } catch {
      // Deleted in the working tree but still in the index: the copy matches the disk.
      continue;
    }
    mkdirSync(dirname(join(dest, file)), { recursive: true });
    cpSync(from, join(dest, file), { verbatimSymlinks: true, preserveTimestamps: true });
    copied++;
  }
  return copied;
}

/** One source file of the copy, edited around a fixed piece of its text. */
export class SourceEdit {
  readonly path: string;
  readonly anchor: string;
  readonly #original: string;

  constructor(path: string, anchor: string) {
    this.path = path;
    this.anchor = anchor;
    this.#original = readFileSync(path, 'utf8');
    const count = this.#original.split(anchor).length - 1;
    if (count !== 1) throw new Error(`${path}: expected the text ${JSON.stringify(anchor)} once, found it ${count} times; update the dev-loop test`);
  }

  /** Writes the original file with the anchor replaced; returns performance.now() once written. */
  replaceAnchor(replacement: string): number {
    writeFileSync(this.path, this.#original.replace(this.anchor, () => replacement));
    return performance.now();
  }

  restore(): void {
    writeFileSync(this.path, this.#original);
  }
}
