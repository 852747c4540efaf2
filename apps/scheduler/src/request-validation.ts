import {
  DriftPolicy,
  Isolation,
  RolloutState,
  SchemaFormat,
  TenantRolloutState,
  type RolloutServiceServer,
  type SchemaServiceServer,
  type TenantServiceServer,
} from '@fleetshift/contracts';
import { InvalidRequestError } from '@fleetshift/telemetry';
import {
  assertCleanStrings,
  assertEnum,
  assertEnumList,
  assertId,
  assertLabels,
  assertStringList,
  assertUint,
  maxInt32,
  maxTextLength,
  type ServiceValidators,
} from '@fleetshift/telemetry/request-fields';

/**
 * The scheduler's checks of every request field of every RPC (SchemaService, TenantService,
 * RolloutService), run before the handler (validatedService): ids by pattern and length, enums by their
 * known values, numbers by the range their column holds, strings without NUL, tenant databases outside
 * the reserved names. A refused request answers INVALID_ARGUMENT naming the field and stores nothing.
 * The handlers keep their own, deeper checks (a blueprint that exists, one active rollout …).
 */

const blueprintPattern = /^[a-z][a-z0-9_]{0,62}$/;
const blueprintRule = "start with a lowercase letter; lowercase letters, digits and '_' (at most 63)";
const idPattern = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const idRule = "lowercase letters, digits, '-' and '_' (at most 63)";
/** Rollout ids as the scheduler makes them: `<blueprint with - for _>-<ms base 36>-<6 hex>`. */
const rolloutIdPattern = /^[a-z0-9][a-z0-9-]{0,127}$/;
const rolloutIdRule = "lowercase letters, digits and '-' (at most 128)";
const identifierPattern = /^[A-Za-z_][A-Za-z0-9_$-]{0,62}$/;
const identifierRule = "a PostgreSQL name: letters, digits, '_', '$' and '-', not starting with a digit (at most 63)";
/** Role and maintenance database names as managed services spell them too (`user@server`, `azure.user`). */
const rolePattern = /^[A-Za-z0-9_.@$-]{1,63}$/;
const roleRule = "letters, digits, '_', '.', '@', '$' and '-' (at most 63)";
const hostPattern = /^[A-Za-z0-9._:%/[\]-]{1,253}$/;

/** Databases a tenant must never be put in: PostgreSQL's own and the control plane's. */
export const reservedDatabases = ['template0', 'template1', 'postgres'];

/** A schema text (SQL or OmniQL) may be large; every other string has a short bound. */
const maxSchemaTextLength = 4 * 1024 * 1024;
const maxListItems = 10_000;

function stringBounds(path: string): number {
  if (path === 'schema.text') return maxSchemaTextLength;
  return maxTextLength;
}

function clean(request: object): void {
  assertCleanStrings(request, '', stringBounds);
}

function blueprint(field: string, value: string, required: boolean): void {
  assertId(field, value, blueprintPattern, blueprintRule, { required });
}

function rolloutId(value: string): void {
  assertId('rollout_id', value, rolloutIdPattern, rolloutIdRule, { required: true });
}

function assertDatabaseName(field: string, name: string, controlDatabase: string | undefined): void {
  const reserved = [...reservedDatabases, ...(controlDatabase ? [controlDatabase] : [])];
  if (reserved.includes(name)) {
    throw new InvalidRequestError(`${field} ${JSON.stringify(name)} is reserved (${reserved.join(', ')}): a tenant cannot live there`);
  }
}

export interface SchedulerValidationOptions {
  /** The control database's name, which no tenant may use. */
  controlDatabase?: string;
}

export function schemaServiceValidators(): ServiceValidators<SchemaServiceServer> {
  return {
    pushSchemaVersion(request) {
      clean(request);
      blueprint('blueprint', request.blueprint, true);
      if (!request.schema) throw new InvalidRequestError('schema is required');
      assertEnum('schema.format', request.schema.format, SchemaFormat);
      assertStringList('allowed_hazards', request.allowedHazards, 100);
    },
    getSchemaVersion(request) {
      clean(request);
      blueprint('blueprint', request.blueprint, true);
      assertUint('version', request.version, maxInt32);
    },
    listSchemaVersions(request) {
      clean(request);
      blueprint('blueprint', request.blueprint, true);
      assertUint('page_size', request.pageSize, maxInt32);
    },
  };
}

export function tenantServiceValidators(options: SchedulerValidationOptions = {}): ServiceValidators<TenantServiceServer> {
  return {
    registerCluster(request) {
      clean(request);
      const cluster = request.cluster;
      if (!cluster) throw new InvalidRequestError('cluster is required');
      assertId('cluster.id', cluster.id, idPattern, idRule, { required: true });
      if (!cluster.host.trim()) throw new InvalidRequestError('cluster.host is required');
      if (!hostPattern.test(cluster.host.trim())) throw new InvalidRequestError(`cluster.host ${JSON.stringify(cluster.host)}: a host name or IP address`);
      assertUint('cluster.port', cluster.port, 65535);
      assertId('cluster.admin_user', cluster.adminUser, rolePattern, roleRule);
      assertId('cluster.maintenance_database', cluster.maintenanceDatabase, rolePattern, roleRule);
      assertUint('cluster.connection_budget', cluster.connectionBudget, 10_000);
      assertLabels('cluster.labels', cluster.labels);
    },
    listClusters(request) {
      clean(request);
      assertUint('page_size', request.pageSize, maxInt32);
    },
    registerTenant(request) {
      clean(request);
      assertId('tenant_id', request.tenantId, idPattern, idRule, { required: true });
      blueprint('blueprint', request.blueprint, true);
      assertId('cluster_id', request.clusterId, idPattern, idRule, { required: true });
      assertEnum('isolation', request.isolation, Isolation, { allowUnspecified: true });
      assertId('database', request.database, identifierPattern, identifierRule);
      assertId('schema', request.schema, identifierPattern, identifierRule);
      assertLabels('labels', request.labels);
      // The database the tenant would get, defaults included (SCHEMA isolation defaults to the blueprint's name).
      const schemaIsolation = request.isolation === Isolation.ISOLATION_SCHEMA;
      const database = request.database || (schemaIsolation ? request.blueprint : `${request.blueprint}__${request.tenantId}`);
      assertDatabaseName(request.database ? 'database' : 'database (from the blueprint)', database, options.controlDatabase);
    },
    getTenant(request) {
      clean(request);
      assertId('tenant_id', request.tenantId, idPattern, idRule, { required: true });
    },
    listTenants(request) {
      clean(request);
      blueprint('blueprint', request.blueprint, false);
      assertId('cluster_id', request.clusterId, idPattern, idRule);
      assertLabels('labels', request.labels);
      // page_token is checked where it is decoded (libs/telemetry page-token.ts): its list, filters and key.
      assertUint('page_size', request.pageSize, maxInt32);
    },
    listTenantEvents(request) {
      clean(request);
      assertId('tenant_id', request.tenantId, idPattern, idRule);
      assertId('rollout_id', request.rolloutId, rolloutIdPattern, rolloutIdRule);
      assertUint('limit', request.limit, 100_000);
      assertUint('page_size', request.pageSize, maxInt32);
    },
  };
}

export function rolloutServiceValidators(): ServiceValidators<RolloutServiceServer> {
  const byId = (request: { rolloutId: string }) => {
    clean(request);
    rolloutId(request.rolloutId);
  };
  return {
    createRollout(request) {
      clean(request);
      blueprint('blueprint', request.blueprint, true);
      assertUint('version', request.version, maxInt32);
      const selector = request.selector;
      if (selector) {
        if (selector.tenantIds.length > maxListItems) throw new InvalidRequestError(`selector.tenant_ids: at most ${maxListItems} values`);
        selector.tenantIds.forEach((id, i) => assertId(`selector.tenant_ids[${i}]`, id, idPattern, idRule, { required: true }));
        if (selector.clusterIds.length > 1000) throw new InvalidRequestError('selector.cluster_ids: at most 1000 values');
        selector.clusterIds.forEach((id, i) => assertId(`selector.cluster_ids[${i}]`, id, idPattern, idRule, { required: true }));
        assertLabels('selector.labels', selector.labels);
      }
      assertUint('batch_size', request.batchSize, 100_000);
      assertUint('max_batches_in_flight', request.maxBatchesInFlight, 1000);
      assertUint('tenant_concurrency', request.tenantConcurrency, 1000);
      const policy = request.failurePolicy;
      if (policy) {
        assertUint('failure_policy.max_failed_tenants', policy.maxFailedTenants, maxInt32);
        if (!Number.isFinite(policy.maxFailureRatio) || policy.maxFailureRatio < 0 || policy.maxFailureRatio > 1) {
          throw new InvalidRequestError(`failure_policy.max_failure_ratio ${policy.maxFailureRatio} must be between 0 and 1`);
        }
        assertEnum('failure_policy.on_drift', policy.onDrift, DriftPolicy, { allowUnspecified: true });
      }
      assertStringList('allowed_hazards', request.allowedHazards, 100);
    },
    getRollout: byId,
    listRollouts(request) {
      clean(request);
      blueprint('blueprint', request.blueprint, false);
      assertEnumList('states', request.states, RolloutState);
      assertUint('limit', request.limit, maxInt32);
      assertUint('page_size', request.pageSize, maxInt32);
    },
    pauseRollout: byId,
    resumeRollout: byId,
    cancelRollout: byId,
    retryFailed: byId,
    listRolloutTenants(request) {
      clean(request);
      rolloutId(request.rolloutId);
      assertEnumList('states', request.states, TenantRolloutState);
      assertUint('limit', request.limit, maxInt32);
      assertUint('page_size', request.pageSize, maxInt32);
    },
    watchRollout: byId,
  };
}
