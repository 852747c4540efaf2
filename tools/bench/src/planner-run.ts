/** What one planning run of either tool produced, for the benchmark table. */
export interface PlannerRun {
  statements: number;
  sql: string;
  /** Fleetshift only: the part of the run spent introspecting both databases (the rest is diff + SQL). */
  introspectMs?: number;
}
