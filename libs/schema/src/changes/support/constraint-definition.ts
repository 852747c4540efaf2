import type { Constraint } from '../../catalog/model.js';

/** pg_get_constraintdef appends " NOT VALID" to a constraint not yet validated; the shape without it. */
export function withoutNotValid(definition: string): string {
  return definition.replace(/\s+NOT VALID$/, '');
}

/** Whether the target constraint can stay as the existing one (same shape; validation may still follow). */
export function sameConstraintShape(from: Constraint, to: Constraint): boolean {
  return from.kind === to.kind && withoutNotValid(from.definition) === withoutNotValid(to.definition);
}

/**
 * Whether the existing constraint must be dropped for the target: gone, reshaped, or validated in `from`
 * but wanted NOT VALID (PostgreSQL cannot un-validate).
 */
export function constraintMustBeDropped(from: Constraint, to: Constraint | undefined): boolean {
  if (!to) return true;
  if (!sameConstraintShape(from, to)) return true;
  return from.validated && !to.validated;
}

/** Helper CHECK constraints of the NOT NULL recipe carry this prefix; they never survive a plan. */
export const notNullCheckPrefix = 'fs_nn';
