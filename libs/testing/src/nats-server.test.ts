import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, describe, expect, it } from 'vitest';
import { freeLoopbackPort } from './free-port.js';
import { findNatsServerBinary, startNatsServer } from './nats-server.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'nats-server-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('startNatsServer', () => {
  it('starts nats-server with JetStream on a loopback port, keeping its store in the given directory, and stops it', async () => {
    const binary = findNatsServerBinary();
    expect(binary, 'nats-server on the PATH or in /usr/sbin').toBeDefined();
    const port = await freeLoopbackPort();
    const server = await startNatsServer(binary!, port, path.join(scratch, 'store'));
    expect(server.url).toBe(`nats://127.0.0.1:${port}`);
    const nc = await connect({ servers: server.url });
    try {
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: 'probe', subjects: ['probe.>'] });
      expect((await jsm.getAccountInfo()).streams).toBe(1);
    } finally {
      await nc.close();
    }
    await server.stop();
    await expect(connect({ servers: server.url, reconnect: false, timeout: 1000 })).rejects.toThrow();
  });

  it('rejects with the server\'s own reason when it cannot listen', async () => {
    const binary = findNatsServerBinary()!;
    const port = await freeLoopbackPort();
    const first = await startNatsServer(binary, port, path.join(scratch, 'first'));
    try {
      await expect(startNatsServer(binary, port, path.join(scratch, 'second'))).rejects.toThrow(/exited with code 1 before listening on nats:\/\/127\.0\.0\.1:\d+: .*address already in use/);
    } finally {
      await first.stop();
    }
  });
});
