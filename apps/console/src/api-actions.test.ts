import { describe, expect, it } from 'vitest';
import { TenantRolloutState } from '@fleetshift/contracts';
import { ApiError, labelsFrom, tenantStatesFrom } from './api-actions.js';

describe('console query parameters', () => {
  it('tenant states by their short names; an unknown one is a 400 naming it and the choices', () => {
    expect(tenantStatesFrom(['failed', 'RUNNING'])).toEqual([TenantRolloutState.TENANT_ROLLOUT_STATE_FAILED, TenantRolloutState.TENANT_ROLLOUT_STATE_RUNNING]);
    expect(tenantStatesFrom([])).toEqual([]);
    for (const bad of ['broken', 'unspecified', 'UNRECOGNIZED', '']) {
      expect(() => tenantStatesFrom([bad])).toThrow(ApiError);
      expect(() => tenantStatesFrom([bad])).toThrow(`state ${JSON.stringify(bad)}: expected one of pending, queued, running, succeeded, failed, skipped, cancelled`);
    }
  });

  it('labels as key=value (the value may hold "="); anything else is a 400 naming it', () => {
    expect(labelsFrom(['tier=gold', 'expr=a=b'])).toEqual({ tier: 'gold', expr: 'a=b' });
    expect(labelsFrom(['empty='])).toEqual({ empty: '' });
    for (const bad of ['tier', '=gold']) {
      const error = (() => {
        try {
          labelsFrom([bad]);
        } catch (caught) {
          return caught as ApiError;
        }
      })();
      expect(error).toBeInstanceOf(ApiError);
      expect({ status: error!.status, message: error!.message }).toEqual({ status: 400, message: `label ${JSON.stringify(bad)}: expected key=value` });
    }
  });
});
