import { followRolloutProgress, rolloutStateName } from '@fleetshift/console';
import { RolloutState } from '@fleetshift/contracts';
import { CliError } from '../../cli-error.js';
import { ExitCode } from '../../exit-codes.js';
import type { SchedulerConnection } from '../../grpc/scheduler-clients.js';
import type { OutputFormat } from '../../output/format.js';
import { printRollout } from './rows.js';

/**
 * Follows a rollout with the live progress bar (on stderr, so stdout keeps the data), prints it in its
 * final state and returns normally only when it SUCCEEDED; any other end is one line and exit 1.
 */
export async function followToTheEnd(scheduler: SchedulerConnection, rolloutId: string, format: OutputFormat): Promise<void> {
  const final = await followRolloutProgress(scheduler.rollouts.watchRollout({ rolloutId }));
  printRollout(format, final);
  if (final.state !== RolloutState.ROLLOUT_STATE_SUCCEEDED) {
    const reason = final.haltReason ? `: ${final.haltReason}` : '';
    const counts = final.counts;
    throw new CliError(
      `rollout ${rolloutId} ended ${rolloutStateName(final.state)} (${counts?.failed ?? 0} failed of ${counts?.total ?? 0})${reason}`,
      ExitCode.FAILURE,
    );
  }
}
