import * as grpc from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import { checkHealth, findNats, findPostgres, listServicesByReflection, startService, type ServiceProcess } from '@fleetshift/testing';

// Every service is a real process: it starts, exposes its services through reflection, answers
// SERVING on the standard health service, serves /metrics and stops cleanly on SIGTERM.
const services: Array<{ app: string; expected: string[] }> = [
  { app: 'planner', expected: ['fleetshift.v1.PlannerService'] },
  { app: 'scheduler', expected: ['fleetshift.v1.RolloutService', 'fleetshift.v1.SchemaService', 'fleetshift.v1.TenantService'] },
  { app: 'executor', expected: [] },
  { app: 'health-monitor', expected: ['fleetshift.v1.HealthMonitorService'] },
];

describe.each(services)('$app process', ({ app, expected }) => {
  let service: ServiceProcess | undefined;
  afterAll(async () => {
    await service?.stop('SIGKILL');
  });

  it('starts, lists its services by reflection, reports SERVING, serves metrics and stops on SIGTERM', async () => {
    await Promise.all([findPostgres(), findNats()]);
    service = await startService(app);
    const address = `127.0.0.1:${service.grpcPort}`;

    const listed = await listServicesByReflection(address);
    expect(listed).toEqual([...expected, 'grpc.health.v1.Health'].sort());
    expect(await checkHealth(address)).toBe('SERVING');
    for (const name of expected) expect(await checkHealth(address, name)).toBe('SERVING');

    const metrics = await fetch(`http://127.0.0.1:${service.metricsPort}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/^fleetshift_process_cpu_user_seconds_total/m);

    expect(await service.stop('SIGTERM')).toBe(0);
    expect(service.logs.some((line) => line.msg === 'stopped')).toBe(true);
  });
});

describe('configuration', () => {
  it.each([
    ['FLEETSHIFT_GRPC_PORT', 'abc', /^invalid configuration: FLEETSHIFT_GRPC_PORT="abc": expected a port number 0-65535$/m],
    ['FLEETSHIFT_LOG_LEVEL', 'loud', /^invalid configuration: FLEETSHIFT_LOG_LEVEL="loud": expected one of fatal/m],
    ['FLEETSHIFT_NATS_URL', 'http://x', /^invalid configuration: FLEETSHIFT_NATS_URL="http:\/\/x": expected a URL starting with nats:\/\//m],
  ])('a bad %s exits non-zero with one clear line', async (variable, value, message) => {
    const started = startService('scheduler', { [variable]: value });
    await expect(started).rejects.toThrow(/exited with code 2 before listening/);
    await expect(started).rejects.toThrow(message);
  });
});

describe('bearer token', () => {
  let service: ServiceProcess | undefined;
  afterAll(async () => {
    await service?.stop('SIGKILL');
  });

  it('refuses calls without FLEETSHIFT_API_TOKEN as bearer token, but keeps health checks open', async () => {
    service = await startService('planner', { FLEETSHIFT_API_TOKEN: 's3cret-token' });
    const address = `127.0.0.1:${service.grpcPort}`;

    await expect(listServicesByReflection(address)).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    const wrong = new grpc.Metadata();
    wrong.set('authorization', 'Bearer s3cret-tokeX');
    await expect(listServicesByReflection(address, wrong)).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });

    const right = new grpc.Metadata();
    right.set('authorization', 'Bearer s3cret-token');
    expect(await listServicesByReflection(address, right)).toContain('fleetshift.v1.PlannerService');
    expect(await checkHealth(address)).toBe('SERVING');
    expect(JSON.stringify(service.logs)).not.toContain('s3cret-token');
  });
});
