import { readFileSync } from 'node:fs';
import { findPackageJSON } from 'node:module';

/** The package's version; the same lookup works from app/src (development) and from dist (the image). */
export function packageVersion(): string {
  const path = findPackageJSON(import.meta.url);
  if (!path) return 'unknown';
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
}
