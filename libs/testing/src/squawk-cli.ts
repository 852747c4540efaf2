// `npm run squawk -- <arguments>`: runs the installed squawk (squawkBinary) whatever the platform.
import { spawnSync } from 'node:child_process';
import { squawkBinary } from './squawk-binary.js';

let binary: string;
try {
  binary = squawkBinary();
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(2);
}
const result = spawnSync(binary, process.argv.slice(2), { stdio: 'inherit' });
if (result.error) {
  process.stderr.write(`squawk (${binary}) could not run: ${result.error.message}\n`);
  process.exit(2);
}
process.exit(result.status ?? 1);
