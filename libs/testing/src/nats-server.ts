import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { executable, onPath } from './executable.js';

export interface LocalNats {
  url: string;
  stop(): Promise<void>;
}

/** Where Debian's nats-server package puts the binary, which a non-root PATH often lacks. */
const debianBinary = '/usr/sbin/nats-server';

/**
 * The nats-server program: on the PATH, else Debian's /usr/sbin/nats-server, else — as root with apt-get,
 * the one install path that needs no network but the Debian mirror — Debian's `nats-server` package,
 * installed now. undefined when none of these works; `log` hears what is being done.
 */
export function findNatsServerBinary(log: (line: string) => void = () => undefined): string | undefined {
  const found = onPath('nats-server') ?? executable(debianBinary);
  if (found) return found;
  if (process.getuid?.() !== 0 || !onPath('apt-get')) return undefined;
  log('nats-server not found: installing Debian\'s nats-server package (apt-get install nats-server)');
  const install = () => spawnSync('apt-get', ['install', '-y', '-q', 'nats-server'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    encoding: 'utf8',
  });
  // A machine whose package lists were never fetched knows no nats-server yet: update once, then retry.
  if (install().status !== 0) {
    spawnSync('apt-get', ['update', '-q'], { stdio: 'ignore' });
    const retried = install();
    if (retried.status !== 0) {
      log(`apt-get install nats-server failed: ${retried.stderr.trim().split('\n').at(-1) ?? `exit ${retried.status}`}`);
      return undefined;
    }
  }
  return onPath('nats-server') ?? executable(debianBinary);
}

/**
 * Starts `nats-server -js` on 127.0.0.1:`port` with its JetStream store in `storeDir`, and resolves once it
 * accepts connections. stop() sends SIGTERM and waits for the exit.
 */
export async function startNatsServer(binary: string, port: number, storeDir: string): Promise<LocalNats> {
  await mkdir(storeDir, { recursive: true });
  const child = spawn(binary, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], { stdio: ['ignore', 'ignore', 'pipe'] });
  const url = `nats://127.0.0.1:${port}`;
  // Ready when it says so on stderr: a port that answers could belong to another server.
  let stderr = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (chunk) => {
      stderr += chunk;
      if (stderr.includes('Server is ready')) resolve();
    });
    child.once('error', (error) => reject(new Error(`${binary} could not be started: ${error.message}`)));
    child.once('exit', (code) => reject(new Error(`${binary} exited with code ${code} before listening on ${url}: ${lastLine(stderr)}`)));
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${binary} was not ready on ${url} within 15 s: ${lastLine(stderr)}`)), 15_000);
  });
  try {
    await Promise.race([ready, timeout]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    clearTimeout(timer);
  }
  child.stderr!.resume();
  return { url, stop: () => stopChild(child) };
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
