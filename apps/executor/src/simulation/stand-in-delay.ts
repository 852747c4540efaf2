/**
 * How long the tenant stand-in "works" on one tenant: a log-normal draw (per-tenant migration times are
 * skewed: most tenants are quick, a few take many times the median).
 *
 * Defaults from real tenants on this project's 2-core machine (tools/bench README, `fleet`, 2026-12-02):
 * the lock-safe plan of the fleet change set took 15.8 ms per tenant per connection in schema isolation
 * (2,000 tenants, 3,000 orders each) and 79 ms in database isolation (500 tenants, connect included);
 * the median 30 ms with sigma 0.8 puts the schema case near the 25th percentile and the database case
 * near the 80th, p99 ≈ 190 ms. Set FLEETSHIFT_EXECUTOR_SIMULATE_DELAY_MEDIAN_MS / _SIGMA to model
 * another fleet.
 */
export interface StandInDelay {
  medianMs: number;
  sigma: number;
  /** Draws are capped here (a stray draw of minutes would only measure the tail). */
  maxMs: number;
}

export const standInDelayDefaults: StandInDelay = { medianMs: 30, sigma: 0.8, maxMs: 5_000 };

/** One draw, `random` uniform in [0, 1) (Box–Muller). */
export function drawDelayMs(delay: StandInDelay, random: () => number = Math.random): number {
  const u1 = Math.max(random(), Number.MIN_VALUE);
  const u2 = random();
  const normal = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  return Math.min(delay.maxMs, Math.max(0, Math.round(delay.medianMs * Math.exp(delay.sigma * normal))));
}
