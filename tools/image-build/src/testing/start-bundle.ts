import { createInterface } from 'node:readline';
import { spawnReadOnly } from './read-only-sandbox.js';

export interface BundleProcess {
  grpcPort: number;
  logs: Array<Record<string, unknown>>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Runs a built service as the image's CMD does — `node --enable-source-maps dist/<app>/main.js` from the
 * directory holding dist/ (the image's /app), no tsx — read-only and unprivileged (read-only-sandbox.ts),
 * on free loopback ports; resolves once it logs "listening", rejects with its stderr if it exits first.
 */
export function startBundle(appDir: string, main: string, env: Record<string, string> = {}, timeoutMs = 30_000): Promise<BundleProcess> {
  const child = spawnReadOnly(process.execPath, ['--enable-source-maps', main], {
    cwd: appDir,
    env: { ...process.env, NODE_ENV: 'production', FLEETSHIFT_GRPC_PORT: '0', FLEETSHIFT_METRICS_PORT: '0', ...env },
  });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${main} did not start within ${timeoutMs} ms; stderr: ${stderr.trim()}`));
    }, timeoutMs);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        entry = { msg: line };
      }
      logs.push(entry);
      if (entry.msg !== 'listening') return;
      clearTimeout(timer);
      resolve({
        grpcPort: Number(entry.grpcPort),
        logs,
        stop: (signal = 'SIGTERM') => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
      });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${main} exited with code ${code} before listening; stderr:\n${stderr.trim()}`));
    });
  });
}
