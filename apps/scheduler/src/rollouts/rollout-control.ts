import { RolloutControl, RolloutState } from '@fleetshift/contracts';
import { decodeMessage, encodeMessage } from '@fleetshift/bus';
import { getRollout, markControlPublished, pendingControl, recordControlFailure, type PendingControl } from '@fleetshift/control-store';
import type { SchedulerContext } from '../context.js';

/** Compare-and-set conflicts (another replica wrote the entry in between) tried again at once. */
const casAttempts = 5;

/**
 * Copies a rollout's state from PostgreSQL (the truth) to the rollouts KV bucket, which executors read
 * before each tenant (only RUNNING lets one start), then marks the outbox rows `pending` covers as
 * published. Any replica may call it for any rollout at any time: the KV revision is read before the
 * state, and the entry is written only if it is still at that revision (compare-and-set), so a writer
 * that read an older state — a replica frozen mid-call, a stale leader — can never overwrite a newer
 * one; it reads again and writes the newer state instead. Throws when NATS does (the rows stay
 * unpublished and the relay tries again).
 */
export async function publishRolloutControl(ctx: SchedulerContext, pending: PendingControl): Promise<RolloutState | undefined> {
  const kv = ctx.bus.rollouts;
  let published: RolloutState | undefined;
  for (let attempt = 1; ; attempt++) {
    const entry = await kv.get(pending.rolloutId);
    const rollout = await getRollout(ctx.pool, pending.rolloutId);
    if (!rollout) break; // deleted with its outbox rows
    published = rollout.state;
    if (entry?.operation === 'PUT' && entry.value.length && sameState(entry.value, rollout.state)) break;
    const value = encodeMessage(RolloutControl, { rolloutId: rollout.id, state: rollout.state, updatedAt: new Date() });
    try {
      if (entry) await kv.update(rollout.id, value, entry.revision);
      else await kv.create(rollout.id, value);
      break;
    } catch (error) {
      if (!isRevisionConflict(error) || attempt >= casAttempts) throw error;
    }
  }
  await markControlPublished(ctx.pool, pending.ids);
  return published;
}

/**
 * Publishes the unpublished control changes of one rollout now — called right after a state change
 * commits, so that executors learn it without waiting for the relay. Never throws: what fails here is
 * recorded on the outbox rows and published by the leader's relay (control-relay.ts).
 */
export async function relayRolloutControl(ctx: SchedulerContext, rolloutId: string): Promise<boolean> {
  const pending = (await pendingControl(ctx.pool, 1, rolloutId).catch(() => []))[0];
  if (!pending) return true;
  try {
    await publishRolloutControl(ctx, pending);
    return true;
  } catch (error) {
    await recordControlFailure(ctx.pool, pending.ids, String((error as Error).message ?? error)).catch(() => undefined);
    ctx.logger.warn({ err: error, rolloutId }, 'rollout control not published to the bus yet; the relay retries it');
    return false;
  }
}

function sameState(value: Uint8Array, state: RolloutState): boolean {
  try {
    return decodeMessage(RolloutControl, value).state === state;
  } catch {
    return false;
  }
}

/** JetStream refused the write because the entry's revision moved (10071: wrong last sequence). */
function isRevisionConflict(error: unknown): boolean {
  const e = error as { api_error?: { err_code?: number }; message?: string };
  return e?.api_error?.err_code === 10071 || /wrong last sequence/i.test(String(e?.message ?? ''));
}
