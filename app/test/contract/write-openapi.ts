// Writes docs/openapi.json from the code (`make openapi`); the contract tests fail while the
// committed file differs from what the code produces.
import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { REPO_ROOT } from '../../../harness/paths.ts';
import { CONTRACT_FILE, contractText } from './file.ts';

const wanted = contractText();
const name = relative(REPO_ROOT, CONTRACT_FILE);
let current = '';
try {
  current = readFileSync(CONTRACT_FILE, 'utf8');
} catch (error) {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
}
if (current === wanted) {
  console.log(`${name}: current`);
} else {
  writeFileSync(CONTRACT_FILE, wanted);
  console.log(`${name}: written`);
}
