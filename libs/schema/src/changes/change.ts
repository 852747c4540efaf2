import type { Hazard, LockLevel } from '@fleetshift/contracts';
import type { CatalogIndex } from './support/catalog-index.js';

/**
 * One kind of change (pgroll's "operation"): recognises its change between two catalogs and returns the
 * steps that carry it out, each stating its lock, whether it scans or rewrites a table, and its hazards.
 *
 * Guarantees a module gives:
 * - `plan` is a pure function of the two catalogs: same inputs, same items, same order.
 * - Objects that already existed in `from` are changed with the lock-safe recipe (docs/lock-safe-sql.md): nothing
 *   holds a write-blocking lock while scanning or rewriting a pre-existing table unless the step carries
 *   the hazard that says so.
 * - Objects created by the same plan (a new table) may use plain statements inside the creating
 *   transaction.
 */
export interface ChangeKind {
  /** Kebab-case id, the PlanStep.change of its steps ("add-index"). */
  readonly name: string;
  /** Where its steps run: the kinds (or stages, "kind:stage") they must follow or precede (see ./ordering.ts). */
  readonly order: OrderConstraints;
  /**
   * Parts of the recipe that must run later in the plan than the kind's other steps, each with its own
   * constraints (add-column's backfill runs after the views are re-created). A step joins one by naming
   * it in `stage`; every stage runs after the kind's own steps.
   */
  readonly stages?: Readonly<Record<string, OrderConstraints>>;
  plan(ctx: ChangeContext): ChangeItem[];
}

/**
 * What must run before and after a kind's (or a stage's) steps, by kind name or "kind:stage". Name a real
 * dependency: an object that must exist or be gone first, or a transaction a step must stay out of.
 */
export interface OrderConstraints {
  /** Kinds whose steps run before these. */
  readonly after?: readonly string[];
  /** Kinds whose steps run after these. */
  readonly before?: readonly string[];
}

/** What one module found for one object: the steps, and a key that sorts the object within its kind. */
export interface ChangeItem {
  key: string;
  steps: StepDraft[];
}

/** A PlanStep before the planner assigns groups and timeouts. */
export interface StepDraft {
  sql: string;
  description: string;
  /** False: runs outside any transaction (CONCURRENTLY, ALTER TYPE … ADD VALUE, batched backfill). */
  transactional: boolean;
  /** Runs in a transaction of its own (VALIDATE CONSTRAINT: its scan must not extend an earlier strong lock). */
  isolated?: boolean;
  lock: LockLevel;
  lockTarget: string;
  rewritesTable?: boolean;
  scansTable?: boolean;
  /** Long-running by design: gets the long statement timeout. */
  long?: boolean;
  hazards?: Hazard[];
  cleanupSql?: string;
  /** Runs in this stage of its kind (ChangeKind.stages) rather than with the kind's other steps. */
  stage?: string;
}

/** What a module sees: both catalogs with lookups (see ./support/catalog-index.ts). */
export type ChangeContext = CatalogIndex;
