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
 * A blueprint at v1 with `count` provisioned tenants (t01, t02 …) on the local cluster, labelled
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
  const ids = Array.from({ length: count }, (_, i) => `t${String(i + 1).padStart(2, '0')}`);
  await Promise.all(
    ids.map((id, i) =>
      registerTenant(scheduler.ctx, scheduler.provisioner, {
        tenantId: `${blueprint.slice(-6)}-${id}`,
        blueprint,
        clusterId,
        isolation,
        database: '',
        schema: isolation === Isolation.ISOLATION_SCHEMA ? id : '',
        labels: { group: i % 2 ? 'b' : 'a' },
        provision: true,
      }),
    ),
  );
  return ids.map((id) => `${blueprint.slice(-6)}-${id}`);
}
