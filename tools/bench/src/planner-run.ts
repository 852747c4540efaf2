/** What one planning run of either tool produced, for the benchmark table. */
export interface PlannerRun {
  statements: number;
  sql: string;
}
