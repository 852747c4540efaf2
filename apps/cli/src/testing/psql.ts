import { spawn } from 'node:child_process';
import { pgBinary } from '@fleetshift/testing';

/**
 * Applies a SQL script the way the CLI contract says an operator does:
 * `psql -v ON_ERROR_STOP=1 -X -f plan.sql`. Resolves with psql's exit code and output.
 */
export function applyWithPsql(databaseUrl: string, scriptPath: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(pgBinary('psql'), ['-v', 'ON_ERROR_STOP=1', '-X', '-q', '-d', databaseUrl, '-f', scriptPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}
