import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { fingerprint, introspect } from '@fleetshift/schema';
import { databaseUrl, findPostgres } from '@fleetshift/testing';
import { tenantsNotAtTarget } from './at-target.js';
import { FleetMaster } from './fleet-copies.js';
import type { Fleet, FleetKind } from './fleet.js';
import { safePlan } from './safe-plan.js';
import { floorWay } from './way-floor.js';
import { sequentialPsqlWay } from './way-sequential-psql.js';
import { thunderingHerdWay } from './way-thundering-herd.js';

const masters: FleetMaster[] = [];
afterAll(async () => {
  await Promise.all(masters.map((m) => m.drop()));
});

async function fingerprints(fleet: Fleet): Promise<string[]> {
  const out: string[] = [];
  for (const tenant of fleet.tenants) {
    const client = new pg.Client({ connectionString: databaseUrl(fleet.serverUrl, tenant.database) });
    await client.connect();
    try {
      out.push(fingerprint(await introspect(client, { schema: tenant.schema })));
    } finally {
      await client.end();
    }
  }
  return out;
}

// The comparison is like for like only if every baseline ends where Fleetshift's plan ends: each way on
// a fresh copy of a small fleet at v1, every tenant's fingerprint equal to the plan's to-fingerprint.
describe.each<[FleetKind, number]>([['schema', 5], ['database', 2]])('fleet benchmark ways on %s-tenants', (kind, tenants) => {
  it('(b), (c) and (d) each bring every tenant from v1 to the catalog of Fleetshift\'s target', { timeout: 180_000 }, async () => {
    const serverUrl = await findPostgres();
    const master = await FleetMaster.build(kind, `bench_test_${randomBytes(3).toString('hex')}`, serverUrl, tenants, 50);
    masters.push(master);
    const plan = await safePlan(kind, serverUrl);
    expect(plan.steps.length).toBeGreaterThan(6);

    for (const way of [sequentialPsqlWay, thunderingHerdWay, floorWay]) {
      const fleet = await master.copy();
      try {
        expect(await fingerprints(fleet), `${way.label}: the copy starts at v1`).toEqual(Array(tenants).fill(plan.fromFingerprint));
        const outcome = await (await way.prepare(fleet)).run();
        expect(outcome.finishes, `${way.label}: ${outcome.note}`).toHaveLength(tenants);
        expect(await fingerprints(fleet), way.label).toEqual(Array(tenants).fill(plan.toFingerprint));
        expect(await tenantsNotAtTarget(fleet), way.label).toEqual([]);
      } finally {
        await master.dropCopy();
      }
    }
  });
});

describe('the v2 check of the fleet benchmark', () => {
  it('names the tenants a way left at v1', { timeout: 60_000 }, async () => {
    const master = await FleetMaster.build('schema', `bench_test_${randomBytes(3).toString('hex')}`, await findPostgres(), 2, 20);
    masters.push(master);
    const fleet = await master.copy();
    expect(await tenantsNotAtTarget(fleet)).toEqual(['t1', 't2']);
  });
});
