import * as grpc from '@grpc/grpc-js';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGrpcServer, type RunningGrpcServer } from './grpc-server.js';
import { echoService } from './testing/echo-service.js';
import { bearer, healthCheck, healthWatch, lint, reflectionList } from './testing/grpc-clients.js';

const logger = pino({ level: 'silent' });
const token = 's3cret-token';

describe('bearer-token auth on a real gRPC server', () => {
  let server: RunningGrpcServer;
  let address: string;

  beforeAll(async () => {
    server = await startGrpcServer({ host: '127.0.0.1', port: 0, services: [echoService(logger)], apiToken: token });
    address = `127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server?.stop(1000);
  });

  it('answers UNAUTHENTICATED without a token, naming what to send', async () => {
    await expect(lint(address, 'SELECT 1')).rejects.toMatchObject({
      code: grpc.status.UNAUTHENTICATED,
      details: 'missing or wrong bearer token (send "authorization: Bearer <FLEETSHIFT_API_TOKEN>")',
    });
  });

  it('answers UNAUTHENTICATED to a wrong token, a prefix of the right one, and a token without "Bearer"', async () => {
    for (const metadata of [bearer('s3cret-tokeX'), bearer('s3cret'), bearer(`${token}x`), bearer('')]) {
      await expect(lint(address, 'SELECT 1', metadata)).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    }
    const bare = new grpc.Metadata();
    bare.set('authorization', token);
    await expect(lint(address, 'SELECT 1', bare)).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
  });

  it('serves the call with the right token (the scheme in any case)', async () => {
    const response = await lint(address, 'SELECT 1', bearer(token));
    expect(response.findings.map((f) => f.message)).toEqual(['SELECT 1']);
    const lower = new grpc.Metadata();
    lower.set('authorization', `bearer ${token}`);
    expect((await lint(address, 'SELECT 2', lower)).findings[0]!.message).toBe('SELECT 2');
  });

  it('keeps health checks open without a token (Check and Watch)', async () => {
    expect(await healthCheck(address)).toBe('SERVING');
    expect(await healthCheck(address, 'fleetshift.v1.PlannerService')).toBe('SERVING');
    const watch = healthWatch(address);
    await expect.poll(() => watch.statuses, { timeout: 10_000 }).toEqual(['SERVING']);
    watch.cancel();
    expect((await watch.ended).code).toBe(grpc.status.CANCELLED);
  });

  it('requires the token for server reflection as for any other service', async () => {
    await expect(reflectionList(address)).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    await expect(reflectionList(address, bearer('wrong'))).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    expect(await reflectionList(address, bearer(token))).toEqual(['fleetshift.v1.PlannerService', 'grpc.health.v1.Health']);
  });
});

describe('a server without a token', () => {
  it('serves every call without authorization', async () => {
    const server = await startGrpcServer({ host: '127.0.0.1', port: 0, services: [echoService(logger)] });
    try {
      const address = `127.0.0.1:${server.port}`;
      expect((await lint(address, 'SELECT 1')).findings[0]!.message).toBe('SELECT 1');
      expect(await reflectionList(address)).toEqual(['fleetshift.v1.PlannerService', 'grpc.health.v1.Health']);
    } finally {
      await server.stop(1000);
    }
  });
});
