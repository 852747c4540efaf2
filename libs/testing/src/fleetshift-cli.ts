import { spawn } from 'node:child_process';
import path from 'node:path';
import { workspaceRoot } from './service-process.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `fleetshift` CLI as a process (`node apps/cli/bin/fleetshift.js …`) from the workspace
 * root — for the CLI's own tests and for system tests in tools/ that drive a running stack through it.
 */
export function runFleetshift(args: string[], env: Record<string, string> = {}, cwd = workspaceRoot): Promise<CliResult> {
  const child = spawn(process.execPath, [path.join(workspaceRoot, 'apps/cli/bin/fleetshift.js'), ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
