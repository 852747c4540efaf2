import type { Command } from 'commander';

/**
 * One sub-command of `fleetshift`, in its own file under commands/. `register` adds the sub-command to
 * the program; its action throws CliError for an expected failure and otherwise returns normally
 * (exit 0). Set `process.exitCode` only through CliError, so the exit codes stay in one place.
 */
export interface CommandRegistration {
  name: string;
  register(program: Command): void;
}
