/**
 * The CLI's exit codes — part of its contract (scripts and CI branch on them); keep them stable.
 */
export const ExitCode = {
  /** The command did what was asked (for `plan`: a plan, possibly empty, was printed). */
  OK: 0,
  /** Something failed that is not the caller's input (a bug, an internal error, a server error). */
  FAILURE: 1,
  /** Bad input: usage error, unreadable file, syntax error (line:column), unreachable database. */
  BAD_INPUT: 2,
  /** `plan`: the plan needs hazards that were not allowed; they are listed on stderr, stdout is empty. */
  HAZARDS_REFUSED: 3,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
