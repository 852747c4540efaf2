import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const workspaceRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

export interface EchoProcess {
  logs: Array<Record<string, unknown>>;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
}

/** Runs testing/echo-service.main.ts (a service on the telemetry runtime) with this environment and arguments. */
export function startEchoProcess(env: Record<string, string>, args: string[] = []): EchoProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'libs/telemetry/src/testing/echo-service.main.ts', ...args], {
    cwd: workspaceRoot,
    env: { ...withoutFleetshiftVariables(process.env), FLEETSHIFT_GRPC_PORT: '0', FLEETSHIFT_METRICS_PORT: '0', FLEETSHIFT_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      logs.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      logs.push({ msg: line });
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    logs,
    stderr: () => stderr,
    exited,
    kill: (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** The test runner's own FLEETSHIFT_* variables must not leak into the service under test. */
function withoutFleetshiftVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('FLEETSHIFT_')));
}
