import { describe, expect, it } from 'vitest';
import { startService } from '@fleetshift/testing';

describe('planner configuration', () => {
  it('refuses to start with a control-plane URL that is not PostgreSQL, naming the variable', async () => {
    await expect(startService('planner', { FLEETSHIFT_CONTROL_DB_URL: 'mysql://root@127.0.0.1/control' })).rejects.toThrow(
      /FLEETSHIFT_CONTROL_DB_URL="mysql:\/\/root@127\.0\.0\.1\/control": expected a URL starting with postgres:\/\//,
    );
  });

  it('refuses a tenant connect timeout that is not a positive integer', async () => {
    await expect(startService('planner', { FLEETSHIFT_TENANT_CONNECT_TIMEOUT_MS: '0' })).rejects.toThrow(/FLEETSHIFT_TENANT_CONNECT_TIMEOUT_MS="0"/);
  });
});
