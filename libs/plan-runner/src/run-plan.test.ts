import { Plan, PlanStep } from '@fleetshift/contracts';
import { createTestDatabase, waitFor, type TestDatabase } from '@fleetshift/testing';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RunDeferred, StepFailed } from './run-errors.js';
import { runPlan } from './run-plan.js';

let db: TestDatabase;
const clients: pg.Client[] = [];

beforeAll(async () => {
  db = await createTestDatabase('plan_runner');
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)));
});
afterAll(() => db.drop());

async function connect(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  clients.push(client);
  return client;
}

let groups = 0;
/** A step; each call without `group` starts a new group. */
function step(sql: string, fields: Partial<PlanStep> = {}): PlanStep {
  return PlanStep.fromPartial({ sql, transactional: true, group: ++groups, change: 'test', description: sql.slice(0, 40), statementTimeoutMs: 30_000, ...fields });
}
const plan = (steps: PlanStep[], schemaRelative = false) => Plan.fromPartial({ steps, schemaRelative, toFingerprint: 'to' });

async function exists(client: pg.Client, relation: string): Promise<boolean> {
  const { rows } = await client.query<{ r: string | null }>('SELECT to_regclass($1)::text AS r', [relation]);
  return rows[0]!.r !== null;
}

describe('runPlan', () => {
  it('runs a transactional group in one transaction, a non-transactional step alone, and records each unit inside its transaction', async () => {
    const client = await connect();
    await client.query('CREATE TABLE ledger (unit int, last boolean, in_tx boolean)');
    const g = ++groups;
    const steps = [
      step('CREATE TABLE a (id int)', { group: g }),
      step('ALTER TABLE a ADD COLUMN b int', { group: g }),
      step('CREATE INDEX CONCURRENTLY a_b ON a (b)', { transactional: false, cleanupSql: 'DROP INDEX CONCURRENTLY IF EXISTS a_b' }),
      step('ALTER TABLE a ADD CONSTRAINT a_b_positive CHECK (b > 0) NOT VALID'),
    ];
    const result = await runPlan(client, plan(steps), {
      onUnitDone: async (tx, unit, last) => {
        // Inside the unit's transaction its DDL has assigned a transaction id; a lone SELECT in autocommit has none.
        const { rows } = await tx.query('SELECT pg_current_xact_id_if_assigned() IS NOT NULL AS in_tx');
        await tx.query('INSERT INTO ledger VALUES ($1, $2, $3)', [unit, last, rows[0].in_tx]);
      },
    });
    expect(result).toEqual({ stepsApplied: 4, attempts: 3, lockRetries: 0 });
    expect(await exists(client, 'a_b')).toBe(true);
    const { rows } = await client.query('SELECT unit, last, in_tx FROM ledger ORDER BY unit');
    expect(rows).toEqual([
      { unit: 0, last: false, in_tx: true },
      { unit: 1, last: false, in_tx: false },
      { unit: 2, last: true, in_tx: true },
    ]);
  });

  it('runs each step under its own lock_timeout and statement_timeout (the default where the step gives 0) and resets the session after', async () => {
    const client = await connect();
    const steps = [
      step("CREATE TABLE seen_a AS SELECT current_setting('lock_timeout') AS lt, current_setting('statement_timeout') AS st", { lockTimeoutMs: 123, statementTimeoutMs: 4567 }),
      step("CREATE TABLE seen_b AS SELECT current_setting('lock_timeout') AS lt", { lockTimeoutMs: 0 }),
    ];
    await runPlan(client, plan(steps), { defaultLockTimeoutMs: 45 });
    expect((await client.query('SELECT lt, st FROM seen_a')).rows).toEqual([{ lt: '123ms', st: '4567ms' }]);
    expect((await client.query('SELECT lt FROM seen_b')).rows).toEqual([{ lt: '45ms' }]);
    const session = await client.query("SELECT current_setting('lock_timeout') AS lt, current_setting('statement_timeout') AS st");
    expect(session.rows[0]).toEqual({ lt: '0', st: '0' });
  });

  it('runs a schema-relative plan in the tenant schema (schema isolation) and restores search_path', async () => {
    const client = await connect();
    await client.query('CREATE SCHEMA "tenant one"');
    const before = (await client.query('SHOW search_path')).rows[0].search_path;
    await runPlan(client, plan([step('CREATE TABLE users (id int)'), step('CREATE INDEX CONCURRENTLY users_id ON users (id)', { transactional: false })], true), {
      schema: 'tenant one',
    });
    expect(await exists(client, '"tenant one".users')).toBe(true);
    expect(await exists(client, '"tenant one".users_id')).toBe(true);
    expect(await exists(client, 'public.users')).toBe(false);
    expect((await client.query('SHOW search_path')).rows[0].search_path).toBe(before);
  });

  it('a failing step names its place in the plan and its SQLSTATE; its transaction is rolled back with the ledger write', async () => {
    const client = await connect();
    await client.query('CREATE TABLE ledger2 (unit int)');
    const g = ++groups;
    const steps = [step('CREATE TABLE ok1 (id int)'), step('CREATE TABLE ok2 (id int)', { group: g }), step('ALTER TABLE missing ADD COLUMN x int', { group: g })];
    const error = await runPlan(client, plan(steps), { onUnitDone: (tx, unit) => tx.query('INSERT INTO ledger2 VALUES ($1)', [unit]).then(() => undefined) }).catch((e) => e);
    expect(error).toBeInstanceOf(StepFailed);
    expect(error).toMatchObject({ code: '42P01', stepNumber: 3, stepsApplied: 1, attempts: 2 });
    expect(error.message).toMatch(/^step 3 \[test\] .*relation "missing" does not exist/);
    expect(await exists(client, 'ok1')).toBe(true);
    expect(await exists(client, 'ok2')).toBe(false);
    expect((await client.query('SELECT unit FROM ledger2')).rows).toEqual([{ unit: 0 }]);
  });

  it('resumes after the units already done, running a non-transactional step’s cleanup first', async () => {
    const client = await connect();
    await client.query('CREATE TABLE r (id int, v int)');
    // What a cancelled CONCURRENTLY build leaves: the index exists (here valid, as the cleanup must not care).
    await client.query('CREATE INDEX r_v ON r (v)');
    const steps = [
      step('CREATE TABLE must_not_run (id int)'),
      step('CREATE INDEX CONCURRENTLY r_v ON r (v)', { transactional: false, cleanupSql: 'DROP INDEX CONCURRENTLY IF EXISTS r_v' }),
    ];
    const result = await runPlan(client, plan(steps), { startUnit: 1 });
    expect(result).toMatchObject({ stepsApplied: 2, attempts: 1 });
    expect(await exists(client, 'must_not_run')).toBe(false);
    expect(await exists(client, 'r_v')).toBe(true);
  });

  describe('against a held lock', () => {
    async function holdLock(table: string): Promise<{ release: () => Promise<void> }> {
      const holder = await connect();
      await holder.query(`CREATE TABLE IF NOT EXISTS ${table} (id int)`);
      await holder.query('BEGIN');
      await holder.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
      return { release: () => holder.query('COMMIT').then(() => undefined) };
    }

    it('retries a lost lock race with backoff and succeeds once the lock is free', async () => {
      const lock = await holdLock('hot1');
      const client = await connect();
      const retries: number[] = [];
      const running = runPlan(client, plan([step('ALTER TABLE hot1 ADD COLUMN x int', { lockTimeoutMs: 20 })]), {
        maxLockRetries: 50,
        backoff: { baseMs: 10, capMs: 40 },
        onLockRetry: (_step, retry) => {
          retries.push(retry);
          if (retries.length === 3) void lock.release();
        },
      });
      const result = await running;
      expect(retries.slice(0, 3)).toEqual([1, 2, 3]);
      expect(result.lockRetries).toBe(retries.length);
      expect(result.attempts).toBe(retries.length + 1);
      const { rows } = await client.query("SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'hot1' AND column_name = 'x'");
      expect(rows[0].n).toBe(1);
    });

    it('gives up with LOCK_TIMEOUT_BUDGET after maxLockRetries, leaving the table as it was', async () => {
      const lock = await holdLock('hot2');
      const client = await connect();
      const error = await runPlan(client, plan([step('ALTER TABLE hot2 ADD COLUMN x int', { lockTimeoutMs: 20 })]), {
        maxLockRetries: 2,
        backoff: { baseMs: 5, capMs: 10 },
      }).catch((e) => e);
      await lock.release();
      expect(error).toBeInstanceOf(StepFailed);
      expect(error).toMatchObject({ code: 'LOCK_TIMEOUT_BUDGET', attempts: 3, lockRetries: 2, stepsApplied: 0 });
      expect(error.message).toMatch(/lock not available after 3 attempt\(s\) \(lock_timeout 20 ms\)/);
    });

    it('defers instead of retrying when mayRetry says not now', async () => {
      const lock = await holdLock('hot3');
      const client = await connect();
      const error = await runPlan(client, plan([step('ALTER TABLE hot3 ADD COLUMN x int', { lockTimeoutMs: 20 })]), {
        maxLockRetries: 10,
        backoff: { baseMs: 5, capMs: 10 },
        mayRetry: async () => false,
      }).catch((e) => e);
      await lock.release();
      expect(error).toBeInstanceOf(RunDeferred);
      expect(error).toMatchObject({ attempts: 1, stepsApplied: 0 });
    });

    it('an abort cancels the statement waiting for its lock and defers the run', async () => {
      const lock = await holdLock('hot4');
      const client = await connect();
      const canceller = await connect();
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const abort = new AbortController();
      let cancels = 0;
      const running = runPlan(client, plan([step('ALTER TABLE hot4 ADD COLUMN x int', { lockTimeoutMs: 60_000 })]), {
        signal: abort.signal,
        cancelInFlight: async () => {
          cancels++;
          await canceller.query('SELECT pg_cancel_backend($1)', [rows[0]!.pid]);
        },
      }).catch((e) => e);
      // Abort once the ALTER is really queued behind the lock.
      await waitFor('the ALTER queued behind the lock', async () => {
        const waiting = await canceller.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'", [rows[0]!.pid]);
        return waiting.rowCount === 1;
      });
      abort.abort(new Error('cluster CRITICAL'));
      const error = await running;
      await lock.release();
      expect(cancels).toBe(1);
      expect(error).toBeInstanceOf(RunDeferred);
      expect(error.reason).toBe('cluster CRITICAL');
    });
  });
});
