import { Isolation, SchemaFormat } from '@fleetshift/contracts';
import { pushSchemaVersion } from '../schemas/push-schema-version.js';
import { registerCluster } from '../tenants/register-cluster.js';
import { registerTenant } from '../tenants/register-tenant.js';
import type { TestScheduler } from './scheduler-fixture.js';

export const schemaV1 = 'CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);\nCREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL);';

export async function pushText(scheduler: TestScheduler, blueprint: string, text: string, allowedHazards: string[] = []): Promise<number> {
  const pushed = await pushSchemaVersion(scheduler.ctx, {
    blueprint,
    schema: { format: SchemaFormat.SCHEMA_FORMAT_SQL, text, filename: `${blueprint}.sql` },
    allowedHazards,
    description: '',
  });
  return pushed.version!.version;
}

/**
 * A blueprint at v1 with `count` provisioned tenants (`<suffix>-t01` … in schemas t01 …) on the local cluster, labelled
 * {group: a|b} alternately.
 */
export async function provisionFleet(
  scheduler: TestScheduler,
  blueprint: string,
  count: number,
  isolation: Isolation = Isolation.ISOLATION_SCHEMA,
  clusterId = 'local',
): Promise<string[]> {
  await registerCluster(scheduler.ctx, { cluster: scheduler.localCluster(clusterId) });
  await pushText(scheduler, blueprint, schemaV1);
  const prefix = blueprint.split('_').pop();
  const ids = Array.from({ length: count }, (_, i) => `t${String(i + 1).padStart(2, '0')}`);
  const register = (id: string, i: number) =>
      registerTenant(scheduler.ctx, scheduler.provisioner, {
        tenantId: `${prefix}-${id}`,
        blueprint,
        clusterId,
        isolation,
        database: '',
        schema: isolation === Isolation.ISOLATION_SCHEMA ? id : '',
        labels: { group: i % 2 ? 'b' : 'a' },
        provision: true,
      });
  // Eight at a time, as an operator's script would.
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < ids.length) {
      const i = next++;
      await register(ids[i], i);
    }
  }));
  return ids.map((id) => `${prefix}-${id}`);
}
