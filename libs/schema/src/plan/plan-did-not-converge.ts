/**
 * Where a plan's verification failed:
 * - `from-state`: the scratch copy of the from-state could not be built (its DDL failed, or what it built
 *   is not the from-state) — the planner cannot create that state from nothing;
 * - `apply`: a step of the plan failed on the scratch copy;
 * - `result`: every step ran, but the result is not the desired state.
 */
export type NonConvergenceStage = 'from-state' | 'apply' | 'result';

/**
 * A plan that, replayed on a scratch copy of its from-state, does not reach its target: a planner bug,
 * never something to send to a tenant. `differences` names the first objects that differ
 * (`table public.orders: column total: differs`); `step` is the 1-based step that failed, for `apply`.
 */
export class PlanDidNotConvergeError extends Error {
  override readonly name = 'PlanDidNotConvergeError';

  constructor(
    readonly stage: NonConvergenceStage,
    readonly fromFingerprint: string,
    readonly toFingerprint: string,
    readonly differences: readonly string[],
    detail: string,
    readonly step?: number,
    options?: { cause?: unknown },
  ) {
    super(`plan ${short(fromFingerprint)} → ${short(toFingerprint)} does not converge: ${detail}`, options);
  }
}

function short(fp: string): string {
  return fp ? fp.slice(0, 12) : '(unknown)';
}
