// docs/openapi.json: the contract as the service builds it with the default settings.
import { join } from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { buildContract } from '../../src/contract/document.ts';
import { packageVersion } from '../../src/package-version.ts';
import { REPO_ROOT } from '../../../harness/paths.ts';

export const CONTRACT_FILE = join(REPO_ROOT, 'docs', 'openapi.json');

/** The text docs/openapi.json must hold. */
export function contractText(): string {
  return `${JSON.stringify(buildContract({ version: packageVersion(), workMaxMs: loadConfig({}).WORK_MAX_MS }), null, 2)}\n`;
}
