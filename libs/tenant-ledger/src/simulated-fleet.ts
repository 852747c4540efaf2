import type pg from 'pg';

/**
 * The simulation's marker and the stand-in's own record, in the tenant database a simulated cluster
 * points at: schema `fleetshift_sim`. A database without the marker is not simulated, and the stand-in
 * refuses its tenants. The record holds one row per tenant the stand-in "migrated" (rollout, tenant,
 * executor, drawn delay), written under the tenant's lock: it is the stand-in's own account, to compare
 * with the control store's.
 */
export const simulationSchema = 'fleetshift_sim';

export const simulatedFleetDdl = `
CREATE SCHEMA IF NOT EXISTS fleetshift_sim;
CREATE TABLE IF NOT EXISTS fleetshift_sim.marker (simulated boolean PRIMARY KEY DEFAULT true CHECK (simulated), created_at timestamptz NOT NULL DEFAULT now());
INSERT INTO fleetshift_sim.marker DEFAULT VALUES ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS fleetshift_sim.stand_in_runs (
  rollout_id  text NOT NULL,
  tenant_id   text NOT NULL,
  executor_id text NOT NULL,
  delay_ms    integer NOT NULL,
  at          timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX IF NOT EXISTS stand_in_runs_tenant ON fleetshift_sim.stand_in_runs (rollout_id, tenant_id);
`;

/** Marks a database as simulated and creates the stand-in's record (the simulation set-up calls this). */
export async function prepareSimulatedDatabase(client: pg.ClientBase): Promise<void> {
  await client.query(simulatedFleetDdl);
}

export async function isSimulatedDatabase(client: pg.ClientBase): Promise<boolean> {
  const { rows } = await client.query<{ marked: boolean }>(
    `SELECT to_regclass('fleetshift_sim.marker') IS NOT NULL AND to_regclass('fleetshift_sim.stand_in_runs') IS NOT NULL AS marked`,
  );
  return rows[0]!.marked;
}

/** Whether the stand-in already ran this tenant in this rollout (a redelivered batch: report again, do nothing). */
export async function standInRan(client: pg.ClientBase, rolloutId: string, tenantId: string): Promise<boolean> {
  const { rows } = await client.query('SELECT 1 FROM fleetshift_sim.stand_in_runs WHERE rollout_id = $1 AND tenant_id = $2 LIMIT 1', [rolloutId, tenantId]);
  return rows.length > 0;
}

export async function recordStandInRun(client: pg.ClientBase, run: { rolloutId: string; tenantId: string; executorId: string; delayMs: number }): Promise<void> {
  await client.query('INSERT INTO fleetshift_sim.stand_in_runs (rollout_id, tenant_id, executor_id, delay_ms) VALUES ($1, $2, $3, $4)', [
    run.rolloutId,
    run.tenantId,
    run.executorId,
    run.delayMs,
  ]);
}

/** The stand-in's record of one rollout: runs per tenant and the total drawn work. */
export async function standInRecord(client: pg.ClientBase, rolloutId: string): Promise<{ runsByTenant: Map<string, number>; totalDelayMs: number }> {
  const { rows } = await client.query<{ tenant_id: string; runs: number; delay: string }>(
    'SELECT tenant_id, count(*)::int AS runs, sum(delay_ms)::bigint AS delay FROM fleetshift_sim.stand_in_runs WHERE rollout_id = $1 GROUP BY tenant_id',
    [rolloutId],
  );
  return { runsByTenant: new Map(rows.map((row) => [row.tenant_id, row.runs])), totalDelayMs: rows.reduce((sum, row) => sum + Number(row.delay), 0) };
}
