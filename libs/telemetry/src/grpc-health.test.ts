import * as grpc from '@grpc/grpc-js';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { startGrpcServer } from './grpc-server.js';
import { echoService } from './testing/echo-service.js';
import { healthCheck, healthWatch, lint } from './testing/grpc-clients.js';

const logger = pino({ level: 'silent' });
const service = 'fleetshift.v1.PlannerService';
const soon = { timeout: 10_000 };

describe('the health service of startGrpcServer', () => {
  it('reports SERVING for the server and each service, NOT_FOUND for a service it does not serve', async () => {
    const server = await startGrpcServer({ host: '127.0.0.1', port: 0, services: [echoService(logger)] });
    const address = `127.0.0.1:${server.port}`;
    try {
      expect(await healthCheck(address)).toBe('SERVING');
      expect(await healthCheck(address, service)).toBe('SERVING');
      await expect(healthCheck(address, 'fleetshift.v1.NoSuchService')).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    } finally {
      await server.stop(1000);
    }
  });

  it('follows setStatus: Check and Watch see SERVING → NOT_SERVING → SERVING', async () => {
    const server = await startGrpcServer({ host: '127.0.0.1', port: 0, services: [echoService(logger)] });
    const address = `127.0.0.1:${server.port}`;
    const watch = healthWatch(address, service);
    try {
      await expect.poll(() => watch.statuses, soon).toEqual(['SERVING']);
      server.health.setStatus(service, 'NOT_SERVING');
      expect(await healthCheck(address, service)).toBe('NOT_SERVING');
      expect(await healthCheck(address)).toBe('SERVING');
      await expect.poll(() => watch.statuses, soon).toEqual(['SERVING', 'NOT_SERVING']);
      server.health.setStatus(service, 'SERVING');
      expect(await healthCheck(address, service)).toBe('SERVING');
      await expect.poll(() => watch.statuses, soon).toEqual(['SERVING', 'NOT_SERVING', 'SERVING']);
    } finally {
      watch.cancel();
      await server.stop(1000);
    }
  });

  it('on stop reports NOT_SERVING first, lets a call in flight finish, then stops serving', async () => {
    let release!: () => void;
    let started = false;
    const hold = (request: { sql: string }) =>
      request.sql === 'hold'
        ? new Promise<void>((resolve) => {
            started = true;
            release = resolve;
          })
        : Promise.resolve();
    const server = await startGrpcServer({ host: '127.0.0.1', port: 0, services: [echoService(logger, hold)] });
    const address = `127.0.0.1:${server.port}`;
    const everything = healthWatch(address);
    const one = healthWatch(address, service);
    await expect.poll(() => [everything.statuses, one.statuses], soon).toEqual([['SERVING'], ['SERVING']]);
    const inFlight = lint(address, 'hold');
    await expect.poll(() => started, soon).toBe(true);

    let stopped = false;
    const stopping = server.stop(60_000).then(() => (stopped = true));
    await expect.poll(() => [everything.statuses.at(-1), one.statuses.at(-1)], soon).toEqual(['NOT_SERVING', 'NOT_SERVING']);
    everything.cancel();
    one.cancel();
    // Draining: the server waits for the held call.
    expect(stopped).toBe(false);
    release();
    expect((await inFlight).findings[0]!.message).toBe('hold');
    await stopping;
    await expect(lint(address, 'SELECT 1', new grpc.Metadata())).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
  });
});
