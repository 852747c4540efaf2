import { describe, expect, it } from 'vitest';
import { TenantRolloutState, type RolloutTenant } from '@fleetshift/contracts';
import { judgeInvariants, type TenantSide } from './invariants.js';

// The judge on its own: each invariant catches the state it is about.
const expectation = { sourceFingerprint: 'source', targetFingerprint: 'target', targetVersion: 2 };
const tenant = (id: string) => ({ id, database: `bp__${id}`, schema: '' });
const side = (id: string, fingerprint: string, targetRows: string[]): TenantSide => ({ tenant: tenant(id), fingerprint, targetRows });
const control = (id: string, state: TenantRolloutState, error = ''): RolloutTenant =>
  ({ tenantId: id, clusterId: 'local', state, attempts: 1, error, errorCode: error ? 'LOCK_TIMEOUT_BUDGET' : '', fromFingerprint: '', executorId: '', lockRetries: 0 }) as RolloutTenant;
const terminal = { reached: true, detail: '' };
const violated = (results: ReturnType<typeof judgeInvariants>) => results.filter((r) => !r.ok).map((r) => r.name);

describe('judgeInvariants', () => {
  it('passes a fleet at the target once each, and a FAILED tenant with a reason left at the source', () => {
    const results = judgeInvariants(
      [side('t1', 'target', ['r1']), side('t2', 'source', [])],
      expectation,
      'r1',
      [control('t1', TenantRolloutState.TENANT_ROLLOUT_STATE_SUCCEEDED), control('t2', TenantRolloutState.TENANT_ROLLOUT_STATE_FAILED, 'lock budget spent')],
      terminal,
    );
    expect(violated(results)).toEqual([]);
  });

  it('catches a version applied twice, a half-migrated catalog, a hang and a control store that disagrees', () => {
    expect(violated(judgeInvariants([side('t1', 'target', ['r1', 'r1'])], expectation, 'r1', [control('t1', TenantRolloutState.TENANT_ROLLOUT_STATE_SUCCEEDED)], terminal))).toEqual(['exactly-once']);
    expect(violated(judgeInvariants([side('t1', 'between', [])], expectation, 'r1', [control('t1', TenantRolloutState.TENANT_ROLLOUT_STATE_FAILED, 'x')], terminal))).toEqual(['not-half-migrated']);
    expect(violated(judgeInvariants([side('t1', 'target', ['r1'])], expectation, 'r1', [control('t1', TenantRolloutState.TENANT_ROLLOUT_STATE_SUCCEEDED)], { reached: false, detail: 'RUNNING after 300 s' }))).toEqual(['terminal-in-bound']);
    expect(violated(judgeInvariants([side('t1', 'target', ['r1'])], expectation, 'r1', [control('t1', TenantRolloutState.TENANT_ROLLOUT_STATE_RUNNING)], terminal))).toEqual(['control-agrees']);
    // At the source without a FAILED reason: neither done nor failed.
    expect(violated(judgeInvariants([side('t1', 'source', [])], expectation, 'r1', [control('t1', TenantRolloutState.TENANT_ROLLOUT_STATE_FAILED)], terminal))).toEqual(['exactly-once']);
    // A ledger row with the catalog still at the source.
    expect(violated(judgeInvariants([side('t1', 'source', ['r1'])], expectation, 'r1', [control('t1', TenantRolloutState.TENANT_ROLLOUT_STATE_FAILED, 'x')], terminal))).toEqual(['exactly-once']);
  });
});
