import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from '@fleetshift/testing';
import { freePort, portOpen } from './free-port.js';

/**
 * A nats-server (JetStream, file store) of the chaos run's own, so that a fault can kill and restart it
 * without touching the machine's shared NATS. The store directory outlives a restart, as a volume does.
 */
export interface NatsInstance {
  url: string;
  /** SIGKILL: no flush, no goodbye to the clients. */
  kill(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

export async function startNatsInstance(): Promise<NatsInstance> {
  const storeDir = mkdtempSync(path.join(os.tmpdir(), 'fleetshift-chaos-nats-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    const process = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], { stdio: 'ignore' });
    const failed = new Promise<never>((_, reject) => {
      process.once('error', (error) => reject(new Error(`nats-server could not be started (is it installed, on PATH?): ${error.message}`)));
      process.once('exit', (code) => reject(new Error(`nats-server exited with code ${code} at start`)));
    });
    failed.catch(() => undefined);
    child = process;
    await Promise.race([failed, waitFor('nats-server listening', () => portOpen(port), { timeoutMs: 30_000, intervalMs: 100 })]);
  };
  const kill = async () => {
    const current = child;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise((resolve) => current.once('exit', resolve));
    current.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    kill,
    start,
    async destroy() {
      await kill();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
