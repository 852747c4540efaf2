import { describe, expect, it } from 'vitest';
import { executorApplicationName } from './tenant-connection.js';

describe('tenant connection', () => {
  it('names its sessions', () => {
    expect(executorApplicationName('exec-1')).toBe('fleetshift-executor:exec-1');
    expect(executorApplicationName('x'.repeat(80))).toHaveLength(63);
  });
});
