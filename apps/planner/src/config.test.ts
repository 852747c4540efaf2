import { describe, expect, it } from 'vitest';
import { startService } from '@fleetshift/testing';

describe('planner configuration', () => {
  it('refuses to start with a scratch server URL that is not PostgreSQL, naming the variable', async () => {
    await expect(startService('planner', { FLEETSHIFT_SCRATCH_PG_URL: 'mysql://root@127.0.0.1/scratch' })).rejects.toThrow(
      /FLEETSHIFT_SCRATCH_PG_URL="mysql:\/\/root@127\.0\.0\.1\/scratch": expected a URL starting with postgres:\/\//,
    );
  });

  it('refuses a tenant connect timeout that is not a positive integer', async () => {
    await expect(startService('planner', { FLEETSHIFT_TENANT_CONNECT_TIMEOUT_MS: '0' })).rejects.toThrow(/FLEETSHIFT_TENANT_CONNECT_TIMEOUT_MS="0"/);
  });
});
