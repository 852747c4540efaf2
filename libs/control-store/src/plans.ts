import { Plan } from '@fleetshift/contracts';
import type { Queryable } from './queryable.js';

export interface StoredPlan {
  planKey: string;
  fromVersion: number;
  plan: Plan;
}

/** Stores the plans of a rollout (one per distinct from-state); a key stored twice keeps the first. */
export async function insertPlans(db: Queryable, rolloutId: string, plans: StoredPlan[]): Promise<void> {
  for (const { planKey, fromVersion, plan } of plans) {
    await db.query(
      `INSERT INTO plans (rollout_id, plan_key, from_version, from_fingerprint, to_fingerprint, steps, plan)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
      [rolloutId, planKey, fromVersion, plan.fromFingerprint, plan.toFingerprint, plan.steps.length, Buffer.from(Plan.encode(plan).finish())],
    );
  }
}

/** The plans of a rollout by key (all of them, or only the keys given). */
export async function getPlans(db: Queryable, rolloutId: string, keys?: string[]): Promise<Map<string, Plan>> {
  const { rows } = await db.query<{ plan_key: string; plan: Buffer }>(
    `SELECT plan_key, plan FROM plans WHERE rollout_id = $1 AND ($2::text[] IS NULL OR plan_key = ANY($2))`,
    [rolloutId, keys ?? null],
  );
  return new Map(rows.map((row) => [row.plan_key, Plan.decode(row.plan)]));
}

export async function countPlans(db: Queryable, rolloutId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*) AS n FROM plans WHERE rollout_id = $1', [rolloutId]);
  return rows[0].n;
}

export async function setPlanCount(db: Queryable, rolloutId: string): Promise<void> {
  await db.query('UPDATE rollouts SET plans = (SELECT count(*) FROM plans WHERE rollout_id = $1) WHERE id = $1', [rolloutId]);
}
