import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const workspaceRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface ServiceProcess {
  process: ChildProcess;
  grpcPort: number;
  metricsPort: number;
  /** The HTTP port of a service that serves HTTP instead of gRPC (the web console), from its "listening" line. */
  httpPort?: number;
  /** Every log line so far (pino JSON, parsed where possible). */
  logs: Array<Record<string, unknown>>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** SIGTERM, then wait for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts one of the apps as a real process (`node --import tsx apps/<app>/src/main.ts`) on free ports
 * (unless `env` sets them) and resolves once it logs "listening". Rejects with its stderr if it exits
 * first. `onLine` sees every output line (the dev stack forwards them to the terminal).
 */
export function startService(
  app: string,
  env: Record<string, string> = {},
  timeoutMs = 60_000,
  onLine?: (line: string) => void,
): Promise<ServiceProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join('apps', app, 'src', 'main.ts')], {
    cwd: workspaceRoot,
    env: { ...process.env, FLEETSHIFT_GRPC_PORT: '0', FLEETSHIFT_METRICS_PORT: '0', FLEETSHIFT_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  child.stderr!.on('data', (chunk) => {
    stderr += chunk;
    onLine?.(String(chunk).trimEnd());
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${app} did not start within ${timeoutMs} ms; stderr: ${stderr.trim()}`));
    }, timeoutMs);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      onLine?.(line);
      const entry = parseLine(line);
      logs.push(entry);
      if (entry.msg !== 'listening') return;
      clearTimeout(timer);
      resolve({
        process: child,
        grpcPort: Number(entry.grpcPort),
        metricsPort: Number(entry.metricsPort),
        httpPort: entry.httpPort === undefined ? undefined : Number(entry.httpPort),
        logs,
        exited,
        stop: (signal = 'SIGTERM') => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
      });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${app} exited with code ${code} before listening; stderr:\n${stderr.trim()}`));
    });
  });
}

function parseLine(line: string): Record<string, unknown> {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return { msg: line };
  }
}
