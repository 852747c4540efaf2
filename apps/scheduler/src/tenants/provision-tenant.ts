import type pg from 'pg';
import { Isolation, type Cluster, type Plan, type SchemaVersion, type Tenant } from '@fleetshift/contracts';
import { appendTenantEvent, getSchemaVersion, recordTenantVersion } from '@fleetshift/control-store';
import { catalogStamp } from '@fleetshift/schema';
import { ensureBookkeeping, recordCatalogStamp, recordedFingerprint, recordProvisionedVersion } from '@fleetshift/tenant-ledger';
import { InvalidRequestError, PreconditionError } from '@fleetshift/telemetry';
import type { SchedulerContext } from '../context.js';
import { runPlan } from '@fleetshift/plan-runner';
import { tenantTarget } from './cluster-connection.js';
import { holdsNoRelations, type TenantDatabases } from './tenant-databases.js';

/**
 * Brings new tenants to their blueprint's latest version. Tenants that start empty share one plan per
 * (version, isolation) — the Diff from empty text to the version, asked once; a tenant that already
 * holds relations is planned from its live state.
 */
export class Provisioner {
  readonly #fromEmpty = new Map<string, Promise<Plan>>();

  constructor(
    private readonly ctx: SchedulerContext,
    private readonly databases: TenantDatabases,
  ) {}

  async provision(tenant: Tenant, cluster: Cluster): Promise<Tenant> {
    const version = await getSchemaVersion(this.ctx.pool, tenant.blueprint, 0);
    if (!version) throw new PreconditionError(`tenant ${tenant.id}: blueprint ${tenant.blueprint} has no schema version to provision`);
    const schemaIsolation = tenant.isolation === Isolation.ISOLATION_SCHEMA;
    const created = await this.databases.ensureDatabase(cluster, tenant.database);
    const own = schemaIsolation ? undefined : await this.databases.connect(cluster, tenant.database);
    const client = own ?? (await this.databases.pool(cluster, tenant.database).connect());
    try {
      const schemaCreated = schemaIsolation ? await this.databases.ensureSchema(client, tenant.schema) : false;
      const fresh = created || schemaCreated || (await holdsNoRelations(client, tenant.schema));
      const fingerprint = await this.bringToVersion(client, tenant, cluster, version, fresh);
      await recordTenantVersion(this.ctx.pool, tenant.id, version.version, fingerprint.value);
      await appendTenantEvent(this.ctx.pool, {
        tenantId: tenant.id,
        kind: 'provisioned',
        toVersion: version.version,
        fingerprint: fingerprint.value,
        stepsApplied: fingerprint.steps,
        executorId: 'scheduler',
      });
      this.ctx.metrics?.tenantsProvisioned.inc({ isolation: schemaIsolation ? 'schema' : 'database' });
      this.ctx.logger.info(
        { tenantId: tenant.id, version: version.version, database: tenant.database, schema: tenant.schema, steps: fingerprint.steps },
        'tenant provisioned',
      );
      return { ...tenant, version: version.version, fingerprint: fingerprint.value };
    } finally {
      if (own) await own.end().catch(() => undefined);
      else (client as pg.PoolClient).release();
    }
  }

  private async bringToVersion(
    client: pg.ClientBase,
    tenant: Tenant,
    cluster: Cluster,
    version: SchemaVersion,
    fresh: boolean,
  ): Promise<{ value: string; steps: number }> {
    const tenantSchema = tenant.isolation === Isolation.ISOLATION_SCHEMA ? tenant.schema : '';
    await ensureBookkeeping(client);
    const recorded = await recordedFingerprint(client, tenantSchema, version.version);
    if (recorded) return { value: recorded, steps: 0 };
    const plan = fresh ? await this.planFromEmptyOrLive(version, tenant, cluster) : await this.planFromLive(version, tenant, cluster);
    const { stepsApplied: steps } = await runPlan(client, plan, { schema: tenantSchema });
    await recordProvisionedVersion(client, { tenantSchema, tenantId: tenant.id, version: version.version, fingerprint: plan.toFingerprint });
    // Stamped as provisioned, so that the first rollout's drift check needs no introspection.
    const stamp = await catalogStamp(client, tenantSchema ? { schema: tenantSchema } : {});
    await recordCatalogStamp(client, tenantSchema, { stamp, fingerprint: plan.toFingerprint });
    return { value: plan.toFingerprint, steps };
  }

  /**
   * The plan from an empty database (or schema) to the version, shared by every new tenant of the same
   * (version, isolation): asked once as a Diff from empty text. Should the planner fail to diff from an
   * empty text (its fault, not the schema's: a bad schema is INVALID_ARGUMENT and rethrown), the first
   * empty tenant is planned live instead and that plan is shared the same way — they all start empty.
   */
  private planFromEmptyOrLive(version: SchemaVersion, tenant: Tenant, cluster: Cluster): Promise<Plan> {
    const schema = tenant.isolation === Isolation.ISOLATION_SCHEMA ? tenant.schema : '';
    const key = `${version.blueprint}@${version.version}/${schema ? 'schema' : 'database'}`;
    let plan = this.#fromEmpty.get(key);
    if (!plan) {
      plan = this.ctx.planner
        .diff({ from: { format: version.schema!.format, text: '', filename: 'empty' }, to: version.schema, schema, allowHazards: ['all'] })
        .then((response) => planOrThrow(response, tenant.id))
        .catch((error: unknown) => {
          if (error instanceof InvalidRequestError || error instanceof PreconditionError) throw error;
          this.ctx.logger.warn({ err: error, tenantId: tenant.id }, 'the planner cannot diff from empty text; planning the first new tenant live');
          return this.planFromLive(version, tenant, cluster, ['all']);
        });
      plan.catch(() => this.#fromEmpty.delete(key));
      this.#fromEmpty.set(key, plan);
    }
    return plan;
  }

  private async planFromLive(version: SchemaVersion, tenant: Tenant, cluster: Cluster, allowHazards = version.allowedHazards): Promise<Plan> {
    const response = await this.ctx.planner.plan({ schema: version.schema, tenant: tenantTarget(cluster, tenant), allowHazards });
    return planOrThrow(response, tenant.id);
  }
}

function planOrThrow(response: { plan?: Plan; refusedHazards: Array<{ code: string; message: string }> }, tenantId: string): Plan {
  if (response.refusedHazards.length || !response.plan) {
    const hazards = response.refusedHazards.map((h) => `${h.code} (${h.message})`).join(', ');
    throw new PreconditionError(`tenant ${tenantId}: provisioning needs hazards the version does not allow: ${hazards || 'no plan returned'}`);
  }
  return response.plan;
}
