import type pg from 'pg';

/** Units of the plan (towards toFingerprint) this rollout already completed on the tenant; 0 if none. */
export async function readProgress(client: pg.ClientBase, tenantSchema: string, rolloutId: string, toFingerprint: string): Promise<number> {
  const { rows } = await client.query<{ units_done: number }>(
    'SELECT units_done FROM fleetshift.plan_progress WHERE tenant_schema = $1 AND rollout_id = $2 AND to_fingerprint = $3',
    [tenantSchema, rolloutId, toFingerprint],
  );
  return rows[0]?.units_done ?? 0;
}

/** Records how many units of the plan are done (upsert per tenant, rollout and target fingerprint). */
export async function recordProgress(
  client: pg.ClientBase,
  key: { tenantSchema: string; rolloutId: string; toFingerprint: string; executorId: string },
  unitsDone: number,
): Promise<void> {
  await client.query(
    `INSERT INTO fleetshift.plan_progress (tenant_schema, rollout_id, to_fingerprint, units_done, executor_id)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (tenant_schema, rollout_id, to_fingerprint)
     DO UPDATE SET units_done = EXCLUDED.units_done, executor_id = EXCLUDED.executor_id, updated_at = now()`,
    [key.tenantSchema, key.rolloutId, key.toFingerprint, unitsDone, key.executorId],
  );
}
