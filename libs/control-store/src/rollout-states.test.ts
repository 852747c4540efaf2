import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RolloutState } from '@fleetshift/contracts';
import {
  ActiveRolloutError,
  findActiveRollout,
  getRollout,
  insertRollout,
  listRollouts,
  rolloutIdsInState,
  setRolloutState,
} from './index.js';
import { finalRolloutWords, rolloutStates } from './states.js';
import { forceRolloutState, newRollout, openTestStore, rawRow, seedBlueprint, type TestStore } from './testing/test-store.js';

const R = RolloutState;
const allStates = [R.ROLLOUT_STATE_PENDING, R.ROLLOUT_STATE_RUNNING, R.ROLLOUT_STATE_PAUSED, R.ROLLOUT_STATE_HALTED,
  R.ROLLOUT_STATE_SUCCEEDED, R.ROLLOUT_STATE_FAILED, R.ROLLOUT_STATE_CANCELLED];

/**
 * Every setRolloutState call the scheduler makes, with the `from` list it passes. The store moves a
 * rollout only from one of them (an empty list: from any state); cancel and retry pass an empty list
 * and refuse SUCCEEDED/FAILED (cancel) or CANCELLED/SUCCEEDED (retry) themselves, under a lock on the row.
 */
const transitions: Array<{ name: string; to: RolloutState; from: RolloutState[]; reason?: string }> = [
  { name: 'start after CreateRollout', to: R.ROLLOUT_STATE_RUNNING, from: [R.ROLLOUT_STATE_PENDING] },
  { name: 'PauseRollout', to: R.ROLLOUT_STATE_PAUSED, from: [R.ROLLOUT_STATE_RUNNING] },
  { name: 'ResumeRollout', to: R.ROLLOUT_STATE_RUNNING, from: [R.ROLLOUT_STATE_PAUSED, R.ROLLOUT_STATE_HALTED], reason: '' },
  { name: 'halt (failure policy, failed canary)', to: R.ROLLOUT_STATE_HALTED, from: [R.ROLLOUT_STATE_RUNNING], reason: 'halted: 2 tenant(s) failed' },
  { name: 'complete, every tenant succeeded', to: R.ROLLOUT_STATE_SUCCEEDED, from: [R.ROLLOUT_STATE_RUNNING], reason: '' },
  { name: 'complete, some tenant failed', to: R.ROLLOUT_STATE_FAILED, from: [R.ROLLOUT_STATE_RUNNING], reason: '1 tenant(s) failed' },
  { name: 'CancelRollout', to: R.ROLLOUT_STATE_CANCELLED, from: [], reason: 'cancelled by the operator' },
  { name: 'RetryFailed', to: R.ROLLOUT_STATE_RUNNING, from: [], reason: '' },
];

let store: TestStore;

beforeAll(async () => {
  store = await openTestStore('cs_rollout_states');
  await seedBlueprint(store.pool, 'bp_states', 0);
  await seedBlueprint(store.pool, 'bp_slot', 0);
  await seedBlueprint(store.pool, 'bp_walk', 0);
  await insertRollout(store.pool, newRollout('matrix', 'bp_states'));
});

afterAll(async () => {
  await store?.close();
});

describe('setRolloutState, every call the scheduler makes from every state', () => {
  for (const transition of transitions) {
    for (const current of allStates) {
      const allowed = transition.from.length === 0 || transition.from.includes(current);
      it(`${transition.name}: ${R[current]} → ${R[transition.to]} is ${allowed ? 'stored' : 'refused, nothing changed'}`, async () => {
        await forceRolloutState(store.pool, 'matrix', current);
        await store.pool.query(`UPDATE rollouts SET halt_reason = 'earlier reason' WHERE id = 'matrix'`);
        const before = await rawRow(store.pool, 'rollouts', { id: 'matrix' });

        const moved = await setRolloutState(store.pool, 'matrix', transition.to, transition.from, transition.reason);

        expect(moved).toBe(allowed);
        const after = await rawRow(store.pool, 'rollouts', { id: 'matrix' });
        if (!allowed) {
          expect(after).toEqual(before);
          return;
        }
        const rollout = (await getRollout(store.pool, 'matrix'))!;
        expect(rollout.state).toBe(transition.to);
        expect(rollout.haltReason).toBe(transition.reason ?? 'earlier reason');
        expect(Boolean(rollout.startedAt)).toBe(transition.to === R.ROLLOUT_STATE_RUNNING);
        // finished_at is set exactly while the rollout is in a final state
        expect(Boolean(rollout.finishedAt)).toBe(finalRolloutWords.includes(rolloutStates.word(transition.to)));
      });
    }
  }

  it('refuses a rollout that does not exist', async () => {
    expect(await setRolloutState(store.pool, 'nope', R.ROLLOUT_STATE_RUNNING, [])).toBe(false);
    expect(await getRollout(store.pool, 'nope')).toBeUndefined();
  });
});

describe('a rollout through its life', () => {
  it('PENDING → RUNNING → PAUSED → RUNNING → HALTED → RUNNING → FAILED → RUNNING (retry) → SUCCEEDED keeps the first start and the last finish', async () => {
    await insertRollout(store.pool, newRollout('walk', 'bp_walk', { state: R.ROLLOUT_STATE_SUCCEEDED }));
    const stored = async () => (await getRollout(store.pool, 'walk'))!;
    // insertRollout stores PENDING whatever state the message carries
    expect((await stored()).state).toBe(R.ROLLOUT_STATE_PENDING);
    expect([(await stored()).startedAt, (await stored()).finishedAt]).toEqual([undefined, undefined]);

    expect(await setRolloutState(store.pool, 'walk', R.ROLLOUT_STATE_RUNNING, [R.ROLLOUT_STATE_PENDING])).toBe(true);
    const started = (await stored()).startedAt!;
    expect(started).toBeInstanceOf(Date);
    expect(await setRolloutState(store.pool, 'walk', R.ROLLOUT_STATE_RUNNING, [R.ROLLOUT_STATE_PENDING])).toBe(false);

    expect(await setRolloutState(store.pool, 'walk', R.ROLLOUT_STATE_PAUSED, [R.ROLLOUT_STATE_RUNNING])).toBe(true);
    expect(await setRolloutState(store.pool, 'walk', R.ROLLOUT_STATE_PAUSED, [R.ROLLOUT_STATE_RUNNING])).toBe(false);
    expect(await setRolloutState(store.pool, 'walk', R.ROLLOUT_STATE_RUNNING, [R.ROLLOUT_STATE_PAUSED, R.ROLLOUT_STATE_HALTED], '')).toBe(true);
    expect((await stored()).startedAt).toEqual(started);

    expect(await setRolloutState(store.pool, 'walk', R.ROLLOUT_STATE_HALTED, [R.ROLLOUT_STATE_RUNNING], 'halted: canary failed')).toBe(true);
    expect((await stored()).haltReason).toBe('halted: canary failed');
    // a second halt (another scheduler's result) finds it no longer RUNNING and keeps the first reason
    expect(await setRolloutState(store.pool, 'walk', R.ROLLOUT_STATE_HALTED, [R.ROLLOUT_STATE_RUNNING], 'halted: other')).toBe(false);
    expect((await stored()).haltReason).toBe('halted: canary failed');
    expect(await setRolloutState(store.pool, 'walk', R.ROLLOUT_STATE_RUNNING, [R.ROLLOUT_STATE_PAUSED, R.ROLLOUT_STATE_HALTED], '')).toBe(true);
    expect((await stored()).haltReason).toBe('');

    expect(await setRolloutState(store.pool, 'walk', R.ROLLOUT_STATE_FAILED, [R.ROLLOUT_STATE_RUNNING], '1 tenant(s) failed')).toBe(true);
    const failed = await stored();
    expect([failed.state, failed.haltReason, failed.finishedAt instanceof Date]).toEqual([R.ROLLOUT_STATE_FAILED, '1 tenant(s) failed', true]);
    expect(await findActiveRollout(store.pool, 'bp_walk')).toBeUndefined();

    // RetryFailed runs a FAILED rollout again: it is no longer finished
    expect(await setRolloutState(store.pool, 'walk', R.ROLLOUT_STATE_RUNNING, [], '')).toBe(true);
    const retried = await stored();
    expect([retried.state, retried.startedAt, retried.finishedAt]).toEqual([R.ROLLOUT_STATE_RUNNING, started, undefined]);
    expect((await findActiveRollout(store.pool, 'bp_walk'))?.id).toBe('walk');

    expect(await setRolloutState(store.pool, 'walk', R.ROLLOUT_STATE_SUCCEEDED, [R.ROLLOUT_STATE_RUNNING], '')).toBe(true);
    const done = await stored();
    expect([done.state, done.startedAt, done.finishedAt instanceof Date]).toEqual([R.ROLLOUT_STATE_SUCCEEDED, started, true]);
    expect(done.finishedAt!.getTime()).toBeGreaterThanOrEqual(failed.finishedAt!.getTime());
    for (const to of [R.ROLLOUT_STATE_RUNNING, R.ROLLOUT_STATE_PAUSED, R.ROLLOUT_STATE_HALTED, R.ROLLOUT_STATE_FAILED]) {
      expect(await setRolloutState(store.pool, 'walk', to, [R.ROLLOUT_STATE_RUNNING, R.ROLLOUT_STATE_PAUSED, R.ROLLOUT_STATE_HALTED])).toBe(false);
    }
    expect((await stored()).state).toBe(R.ROLLOUT_STATE_SUCCEEDED);
  });
});

describe("the blueprint's one active slot", () => {
  it('is held by PENDING, RUNNING, PAUSED and HALTED, and freed by SUCCEEDED, FAILED and CANCELLED', async () => {
    await insertRollout(store.pool, newRollout('slot1', 'bp_slot'));
    for (const active of [R.ROLLOUT_STATE_PENDING, R.ROLLOUT_STATE_RUNNING, R.ROLLOUT_STATE_PAUSED, R.ROLLOUT_STATE_HALTED]) {
      await forceRolloutState(store.pool, 'slot1', active);
      expect((await findActiveRollout(store.pool, 'bp_slot'))?.state).toBe(active);
      const refused = insertRollout(store.pool, newRollout('slot2', 'bp_slot'));
      await expect(refused).rejects.toBeInstanceOf(ActiveRolloutError);
      await expect(refused).rejects.toThrow(/bp_slot already has an active rollout/);
    }
    expect(await getRollout(store.pool, 'slot2')).toBeUndefined();

    for (const [i, final] of [R.ROLLOUT_STATE_SUCCEEDED, R.ROLLOUT_STATE_FAILED, R.ROLLOUT_STATE_CANCELLED].entries()) {
      await forceRolloutState(store.pool, `slot${i + 1}`, final);
      expect(await findActiveRollout(store.pool, 'bp_slot')).toBeUndefined();
      await insertRollout(store.pool, newRollout(`slot${i + 2}`, 'bp_slot'));
      expect((await findActiveRollout(store.pool, 'bp_slot'))?.id).toBe(`slot${i + 2}`);
    }
  });

  it('refuses to run a final rollout again while another holds the slot, with the constraint RetryFailed looks for', async () => {
    // slot1..slot3 are final, slot4 is PENDING (previous test)
    const before = await rawRow(store.pool, 'rollouts', { id: 'slot2' });
    const refused = setRolloutState(store.pool, 'slot2', R.ROLLOUT_STATE_RUNNING, [], '');
    await expect(refused).rejects.toMatchObject({ constraint: 'rollouts_one_active' });
    expect(await rawRow(store.pool, 'rollouts', { id: 'slot2' })).toEqual(before);
  });

  it('lists rollouts by blueprint and state, newest first, and the ids of rollouts in given states', async () => {
    const slots = await listRollouts(store.pool, { blueprint: 'bp_slot' });
    expect(slots.map((r) => r.id)).toEqual(['slot4', 'slot3', 'slot2', 'slot1']);
    const finals = await listRollouts(store.pool, { blueprint: 'bp_slot', states: [R.ROLLOUT_STATE_FAILED, R.ROLLOUT_STATE_CANCELLED] });
    expect(finals.map((r) => [r.id, r.state])).toEqual([
      ['slot3', R.ROLLOUT_STATE_CANCELLED],
      ['slot2', R.ROLLOUT_STATE_FAILED],
    ]);
    expect(await listRollouts(store.pool, { blueprint: 'bp_slot', limit: 1 })).toHaveLength(1);
    expect(await rolloutIdsInState(store.pool, [R.ROLLOUT_STATE_PENDING])).toContain('slot4');
    expect(await rolloutIdsInState(store.pool, [R.ROLLOUT_STATE_FAILED])).toContain('slot2');
    expect(await rolloutIdsInState(store.pool, [R.ROLLOUT_STATE_PENDING])).not.toContain('slot2');
  });
});
