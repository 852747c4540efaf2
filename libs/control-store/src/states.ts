import { DriftPolicy, Isolation, RolloutState, SchemaFormat, TenantRolloutState } from '@fleetshift/contracts';

/**
 * The words stored in state columns, and their contract enums. Words keep the tables readable with
 * psql; the contract enums stay the only API.
 */
function wordMap<E extends number>(pairs: Array<[E, string]>) {
  const toWord = new Map(pairs);
  const fromWord = new Map(pairs.map(([value, word]) => [word, value]));
  return {
    word(value: E): string {
      const word = toWord.get(value);
      if (word === undefined) throw new Error(`no stored word for enum value ${value}`);
      return word;
    },
    value(word: string): E {
      const value = fromWord.get(word);
      if (value === undefined) throw new Error(`unknown stored state ${JSON.stringify(word)}`);
      return value;
    },
  };
}

export const rolloutStates = wordMap<RolloutState>([
  [RolloutState.ROLLOUT_STATE_PENDING, 'pending'],
  [RolloutState.ROLLOUT_STATE_RUNNING, 'running'],
  [RolloutState.ROLLOUT_STATE_PAUSED, 'paused'],
  [RolloutState.ROLLOUT_STATE_HALTED, 'halted'],
  [RolloutState.ROLLOUT_STATE_CANCELLED, 'cancelled'],
  [RolloutState.ROLLOUT_STATE_SUCCEEDED, 'succeeded'],
  [RolloutState.ROLLOUT_STATE_FAILED, 'failed'],
]);

export const tenantStates = wordMap<TenantRolloutState>([
  [TenantRolloutState.TENANT_ROLLOUT_STATE_PENDING, 'pending'],
  [TenantRolloutState.TENANT_ROLLOUT_STATE_QUEUED, 'queued'],
  [TenantRolloutState.TENANT_ROLLOUT_STATE_RUNNING, 'running'],
  [TenantRolloutState.TENANT_ROLLOUT_STATE_SUCCEEDED, 'succeeded'],
  [TenantRolloutState.TENANT_ROLLOUT_STATE_FAILED, 'failed'],
  [TenantRolloutState.TENANT_ROLLOUT_STATE_SKIPPED, 'skipped'],
  [TenantRolloutState.TENANT_ROLLOUT_STATE_CANCELLED, 'cancelled'],
]);

export const isolations = wordMap<Isolation>([
  [Isolation.ISOLATION_DATABASE, 'database'],
  [Isolation.ISOLATION_SCHEMA, 'schema'],
]);

export const schemaFormats = wordMap<SchemaFormat>([
  [SchemaFormat.SCHEMA_FORMAT_SQL, 'sql'],
  [SchemaFormat.SCHEMA_FORMAT_OMNIQL, 'omniql'],
]);

export const driftPolicies = wordMap<DriftPolicy>([
  [DriftPolicy.DRIFT_POLICY_REPLAN, 'replan'],
  [DriftPolicy.DRIFT_POLICY_FAIL, 'fail'],
]);

/** Rollout states that hold the blueprint's one active slot. */
export const activeRolloutWords = ['pending', 'running', 'paused', 'halted'];
/** Rollout states a rollout never leaves. */
export const finalRolloutWords = ['cancelled', 'succeeded', 'failed'];
/** Tenant states a tenant leaves only through RetryFailed. */
export const finalTenantWords = ['succeeded', 'failed', 'skipped', 'cancelled'];
