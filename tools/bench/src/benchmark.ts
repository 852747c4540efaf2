/** One named benchmark of `npm run bench -- <name> [options]`, in its own file. */
export interface Benchmark {
  name: string;
  /** One line for `npm run bench -- help`. */
  description: string;
  /** Runs with the arguments after the name; prints its table on stdout. */
  run(args: string[]): Promise<void>;
}
