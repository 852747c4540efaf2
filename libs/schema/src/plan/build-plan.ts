import { LockLevel, type Hazard, type Plan, type PlanStep } from '@fleetshift/contracts';
import { fingerprint } from '../catalog/fingerprint.js';
import type { Catalog } from '../catalog/model.js';
import { compareText } from '../catalog/order.js';
import { CatalogIndex } from '../changes/support/catalog-index.js';
import type { StepDraft } from '../changes/change.js';
import { stageRank } from '../changes/ordering.js';
import { changeKinds } from '../changes/registry.js';
import { assertSupported } from '../changes/support/unsupported-change.js';
import { planDefaults } from './defaults.js';

export interface BuildPlanOptions {
  /** lock_timeout of every step (default planDefaults.lockTimeoutMs = 50 ms). */
  lockTimeoutMs?: number;
  /** lock_timeout of groups that cannot block the application (default: lockTimeoutMs when given, else planDefaults.nonBlockingLockTimeoutMs). */
  nonBlockingLockTimeoutMs?: number;
  /** statement_timeout of metadata-only steps (default 30 s). */
  statementTimeoutMs?: number;
  /** statement_timeout of steps that read or write a whole table without blocking writes (default 6 h). */
  longStatementTimeoutMs?: number;
  /** Fingerprint of `from` (sha256 of the normalized catalog) when already known; computed otherwise. */
  fromFingerprint?: string;
  /** Fingerprint of `to`, likewise. */
  toFingerprint?: string;
}

interface Entry {
  /** Position of the step's stage in the run order. */
  rank: number;
  key: string;
  seq: number;
  change: string;
  draft: StepDraft;
}

/**
 * The plan from one catalog to another: every change module's steps, ordered by the run order of their
 * kinds and stages (declared dependencies, ../changes/ordering.ts), then by object key, grouped into
 * transactions, with timeouts. A pure function: same inputs, byte-identical plan.
 *
 * Grouping: consecutive transactional steps share a group (one transaction), so a failure inside it
 * leaves the tenant as it was before the group. A non-transactional step (CONCURRENTLY, ADD VALUE, a
 * batched backfill) and an isolated step (VALIDATE: its scan must not extend an earlier lock) each get a
 * group of their own.
 */
export function buildPlan(from: Catalog, to: Catalog, opts: BuildPlanOptions = {}): Plan {
  const ctx = new CatalogIndex(from, to);
  assertSupported(ctx);
  const entries: Entry[] = [];
  for (const kind of changeKinds) {
    for (const item of kind.plan(ctx)) {
      item.steps.forEach((draft, seq) => {
        entries.push({ rank: stageRank(changeKinds, kind.name, draft.stage), key: item.key, seq, change: kind.name, draft });
      });
    }
  }
  entries.sort((a, b) => a.rank - b.rank || compareText(a.key, b.key) || a.seq - b.seq);

  const lockTimeoutMs = opts.lockTimeoutMs ?? planDefaults.lockTimeoutMs;
  const statementTimeoutMs = opts.statementTimeoutMs ?? planDefaults.statementTimeoutMs;
  const longStatementTimeoutMs = opts.longStatementTimeoutMs ?? planDefaults.longStatementTimeoutMs;

  const steps: PlanStep[] = [];
  let group = 0;
  let joinable = false;
  for (const { change, draft } of entries) {
    const alone = !draft.transactional || draft.isolated === true;
    if (alone || !joinable) group += 1;
    joinable = !alone;
    steps.push({
      sql: draft.sql,
      change,
      description: draft.description,
      transactional: draft.transactional,
      group,
      lock: draft.lock,
      lockTarget: draft.lockTarget,
      rewritesTable: draft.rewritesTable ?? false,
      scansTable: draft.scansTable ?? false,
      hazards: draft.hazards ?? [],
      lockTimeoutMs,
      statementTimeoutMs: draft.long ? longStatementTimeoutMs : statementTimeoutMs,
      cleanupSql: draft.cleanupSql ?? '',
    });
  }
  // A caller's own lock_timeout applies to every step unless it names a non-blocking one too.
  relaxNonBlockingGroups(steps, opts.nonBlockingLockTimeoutMs ?? opts.lockTimeoutMs ?? planDefaults.nonBlockingLockTimeoutMs);
  return {
    fromFingerprint: opts.fromFingerprint ?? fingerprint(from),
    toFingerprint: opts.toFingerprint ?? fingerprint(to),
    steps,
    hazards: uniqueHazards(steps.flatMap((s) => s.hazards)),
    schemaRelative: ctx.schemaRelative,
  };
}

/**
 * Gives the groups that cannot block the application (every step at most SHARE UPDATE EXCLUSIVE) the long
 * lock_timeout. A group with any stronger lock keeps the short one on every step: once it holds that lock,
 * a long wait on a later step would keep the application waiting behind it.
 */
function relaxNonBlockingGroups(steps: PlanStep[], nonBlockingLockTimeoutMs: number): void {
  const blocking = new Set(steps.filter((s) => !(s.lock > LockLevel.LOCK_LEVEL_UNSPECIFIED && s.lock <= LockLevel.LOCK_LEVEL_SHARE_UPDATE_EXCLUSIVE)).map((s) => s.group));
  for (const step of steps) if (!blocking.has(step.group)) step.lockTimeoutMs = Math.max(step.lockTimeoutMs, nonBlockingLockTimeoutMs);
}

/** Hazards deduplicated by code (first message kept), in code order. */
export function uniqueHazards(hazards: Hazard[]): Hazard[] {
  const byCode = new Map<string, Hazard>();
  for (const h of hazards) if (!byCode.has(h.code)) byCode.set(h.code, h);
  return [...byCode.values()].sort((a, b) => compareText(a.code, b.code));
}

/**
 * The hazards of `plan` that `allow` does not cover (one per code, naming an object). `allow` holds
 * hazard codes, or "all". An empty result means the plan may run.
 */
export function refusedHazards(plan: Plan, allow: readonly string[] | 'all'): Hazard[] {
  const allowed = new Set(allow === 'all' ? ['ALL'] : allow.map((a) => a.trim().toUpperCase()));
  if (allowed.has('ALL')) return [];
  return plan.hazards.filter((h) => !allowed.has(h.code));
}
