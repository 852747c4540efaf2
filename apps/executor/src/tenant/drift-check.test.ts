import { ensureBookkeeping } from '@fleetshift/tenant-ledger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestFleet } from '../test/test-fleet.js';
import { liveFingerprint, stampedFingerprint } from './drift-check.js';

const fleet = new TestFleet();
beforeAll(async () => {
  await fleet.init();
});
afterAll(() => fleet.drop());

describe('stampedFingerprint', () => {
  for (const isolation of ['schema', 'database'] as const) {
    it(`${isolation} isolation: reuses the recorded fingerprint while the catalog stamp holds, introspects once it changes`, async () => {
      const [tenant] = isolation === 'schema' ? await fleet.schemaTenants('stamp', 2) : await fleet.databaseTenants('stamp', 1);
      const client = await fleet.connectTarget(tenant!.target);
      const schema = tenant!.target.schema;
      try {
        await ensureBookkeeping(client);
        const truth = await liveFingerprint(client, schema);
        // First call: no stamp recorded → full introspection, then recorded.
        expect(await stampedFingerprint(client, schema)).toBe(truth);
        const { rows } = await client.query('SELECT fingerprint FROM fleetshift.catalog_stamps WHERE tenant_schema = $1', [schema]);
        expect(rows).toEqual([{ fingerprint: truth }]);
        // Same catalog: the recorded fingerprint is used as it stands (shown by planting another value).
        await client.query("UPDATE fleetshift.catalog_stamps SET fingerprint = 'planted' WHERE tenant_schema = $1", [schema]);
        expect(await stampedFingerprint(client, schema)).toBe('planted');
        // A change by hand: the stamp moves, the real fingerprint comes back (drift is seen).
        const table = schema ? `"${schema}".users` : 'users';
        await client.query(`ALTER TABLE ${table} ADD COLUMN by_hand text`);
        const changed = await stampedFingerprint(client, schema);
        expect(changed).not.toBe('planted');
        expect(changed).toBe(await liveFingerprint(client, schema));
        expect(changed).not.toBe(truth);
      } finally {
        await client.end();
      }
    });
  }
});
