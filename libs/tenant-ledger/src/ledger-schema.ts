import type pg from 'pg';

/**
 * Fleetshift's bookkeeping inside each tenant database, in the `fleetshift` schema (which introspection
 * ignores, so it never shows in a fingerprint or a plan):
 *
 * - `applied_versions`: one row per version applied to a tenant — by a rollout (written in the same
 *   transaction as the plan's last group, or right after a last non-transactional step) or by the
 *   scheduler's provisioning (rollout_id `provision`). Keyed by (tenant_schema, version, rollout_id): the
 *   same rollout can never record a tenant twice, and the rows prove what ran where. `tenant_schema` is ''
 *   in database isolation, the tenant's schema otherwise.
 * - `plan_progress`: how many units (transactions or lone non-transactional steps) of a plan are done,
 *   so that a tenant interrupted between units (cancelled on a CRITICAL throttle, executor killed, lock
 *   budget spent) resumes where it stopped instead of looking drifted.
 * - `catalog_stamps`: the last catalog stamp of each tenant schema with its fingerprint (catalog-stamps.ts).
 */
const ledgerDdl = `
CREATE SCHEMA IF NOT EXISTS fleetshift;
CREATE TABLE IF NOT EXISTS fleetshift.applied_versions (
  tenant_schema text NOT NULL DEFAULT '',
  version integer NOT NULL,
  fingerprint text NOT NULL,
  rollout_id text NOT NULL,
  executor_id text NOT NULL,
  tenant_id text NOT NULL DEFAULT '',
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_schema, version, rollout_id)
);
CREATE TABLE IF NOT EXISTS fleetshift.plan_progress (
  tenant_schema text NOT NULL,
  rollout_id text NOT NULL,
  to_fingerprint text NOT NULL,
  units_done integer NOT NULL,
  executor_id text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_schema, rollout_id, to_fingerprint)
);
CREATE TABLE IF NOT EXISTS fleetshift.catalog_stamps (
  tenant_schema text PRIMARY KEY,
  stamp text NOT NULL,
  fingerprint text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);`;

/** Any key, distinct from the executor's tenant lock class: serialises the CREATE … IF NOT EXISTS of every caller. */
const ledgerLockKey = 0x46530002;

/**
 * SQLSTATEs of a CREATE … IF NOT EXISTS that lost a race with a session that created the same object
 * without the advisory lock (the IF NOT EXISTS check does not see an uncommitted creation; the unique
 * catalog index then refuses the second one): unique_violation on pg_namespace / pg_class / pg_type,
 * duplicate_schema, duplicate_table. The object exists once the other commits: check again.
 */
const lostRace = new Set(['23505', '42P06', '42P07']);

/** How many times a lost race is tried again before its error is thrown. */
const lostRaceAttempts = 3;

const readyConnections = new WeakSet<pg.ClientBase>();

/**
 * Creates the `fleetshift` schema and its tables if missing — once per connection (a cheap catalog check
 * first), under an advisory lock, and again after a lost creation race. Must not be called inside a
 * transaction (it runs its own).
 */
export async function ensureBookkeeping(client: pg.ClientBase): Promise<void> {
  if (readyConnections.has(client)) return;
  for (let attempt = 1; ; attempt++) {
    try {
      await createIfMissing(client);
      break;
    } catch (error) {
      if (attempt >= lostRaceAttempts || !lostRace.has((error as { code?: string }).code ?? '')) throw error;
    }
  }
  readyConnections.add(client);
}

async function createIfMissing(client: pg.ClientBase): Promise<void> {
  const { rows } = await client.query<{ ready: boolean }>(
    `SELECT to_regclass('fleetshift.applied_versions') IS NOT NULL AND to_regclass('fleetshift.plan_progress') IS NOT NULL
            AND to_regclass('fleetshift.catalog_stamps') IS NOT NULL AS ready`,
  );
  if (rows[0]!.ready) return;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [ledgerLockKey]);
    await client.query(ledgerDdl);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
