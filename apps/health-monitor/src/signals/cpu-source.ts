/** Where the CPU utilisation of a database host comes from. */
export interface CpuSource {
  /** "proc-stat" or "prometheus", for logs and the README. */
  kind: string;
  /** The CPU utilisation in percent (0–100) since the previous read; throws when it cannot be read. */
  read(): Promise<number>;
}
