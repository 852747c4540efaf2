import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCluster, listClusterEvents } from '@fleetshift/control-store';
import { requestStatus } from '@fleetshift/telemetry';
import { startAttackerHost, type AttackerHost } from '@fleetshift/testing';
import { startStandInPlanner } from '../testing/stand-in-planner.js';
import { startTestScheduler, type TestScheduler } from '../testing/scheduler-fixture.js';
import { registerCluster } from './register-cluster.js';

let planner: Awaited<ReturnType<typeof startStandInPlanner>>;
let scheduler: TestScheduler;
let attacker: AttackerHost;

beforeAll(async () => {
  planner = await startStandInPlanner();
  scheduler = await startTestScheduler(planner.address);
  attacker = await startAttackerHost();
});

afterAll(async () => {
  await attacker?.stop();
  await scheduler?.cleanup();
  await planner?.stop();
});

/** What RegisterCluster answers over gRPC for what registerCluster throws (its handler maps through requestStatus). */
async function answer(request: Parameters<typeof registerCluster>[1]): Promise<{ code: grpc.status; details: string }> {
  try {
    await registerCluster(scheduler.ctx, request);
    return { code: grpc.status.OK, details: '' };
  } catch (error) {
    const { code, details } = requestStatus(error);
    return { code, details };
  }
}

describe('RegisterCluster: password sources and endpoint changes', () => {
  it('refuses password sources outside the allow-list with PERMISSION_DENIED, stores nothing and connects nowhere', async () => {
    const base = { ...scheduler.localCluster('attack'), host: attacker.host, port: attacker.port };
    const attacks: Array<[Record<string, string>, RegExp]> = [
      [{ passwordEnv: 'PATH' }, /^cluster attack: password_env "PATH" is refused: a password variable must be named FLEETSHIFT_PW_<name>/],
      [{ passwordEnv: 'FLEETSHIFT_API_TOKEN' }, /password_env "FLEETSHIFT_API_TOKEN" is refused/],
      [{ passwordFile: '/etc/shadow' }, /password_file "\/etc\/shadow" is refused: this service allows no secret files/],
      [{ passwordFile: '/run/secrets/../../etc/shadow' }, /password_file .* is refused/],
      [{ sslmode: 'verify-full', sslRootCertFile: '/etc/shadow' }, /ssl_root_cert_file "\/etc\/shadow" is refused/],
    ];
    for (const [source, message] of attacks) {
      const { code, details } = await answer({ cluster: { ...base, ...source } });
      expect({ source, code }).toEqual({ source, code: grpc.status.PERMISSION_DENIED });
      expect(details).toMatch(message);
    }
    expect(await answer({ cluster: { ...base, sslmode: 'sometimes' } })).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringContaining('sslmode "sometimes"') });
    expect(await getCluster(scheduler.ctx.pool, 'attack')).toBeUndefined();
    expect(attacker.connections()).toBe(0);
  });

  it('re-registering a cluster at another host without replace is FAILED_PRECONDITION naming the current endpoint, and changes nothing', async () => {
    const local = { ...scheduler.localCluster('moved'), passwordEnv: 'FLEETSHIFT_PW_SCHEDULER_TEST', sslmode: 'prefer' };
    expect((await answer({ cluster: local })).code).toBe(grpc.status.OK);
    const before = await getCluster(scheduler.ctx.pool, 'moved');
    const hijack = await answer({ cluster: { ...local, host: attacker.host, port: attacker.port } });
    expect(hijack.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(hijack.details).toContain(`cluster moved is registered at ${local.host}:${local.port}; registering it at ${attacker.host}:${attacker.port}`);
    expect(hijack.details).toContain('replace');
    expect(await getCluster(scheduler.ctx.pool, 'moved')).toEqual(before);
    expect((await answer({ cluster: { ...local, connectionBudget: 5 } })).code).toBe(grpc.status.OK);
    expect((await listClusterEvents(scheduler.ctx.pool, 'moved')).map((e) => e.kind)).toEqual(['registered', 'updated']);
    expect(attacker.connections()).toBe(0);
  });

  it('with replace the cluster moves and the history records the endpoint it replaced', async () => {
    const local = { ...scheduler.localCluster('moved'), passwordEnv: 'FLEETSHIFT_PW_SCHEDULER_TEST', sslmode: 'prefer' };
    const moved = await registerCluster(scheduler.ctx, { cluster: { ...local, host: 'db2.internal', port: 6432 }, replace: true });
    expect(moved).toMatchObject({ host: 'db2.internal', port: 6432, sslmode: 'prefer', passwordEnv: 'FLEETSHIFT_PW_SCHEDULER_TEST' });
    expect(await getCluster(scheduler.ctx.pool, 'moved')).toMatchObject({ host: 'db2.internal', port: 6432 });
    const events = await listClusterEvents(scheduler.ctx.pool, 'moved');
    expect(events.at(-1)).toMatchObject({ kind: 'endpoint_replaced', fromEndpoint: `${local.host}:${local.port}`, toEndpoint: 'db2.internal:6432' });
  });
});
