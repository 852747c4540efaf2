import { maxAckPendingFor } from '@fleetshift/bus';
import { describe, expect, it } from 'vitest';
import { connectionsPerBatch } from './connection-budget.js';

describe('connection budget', () => {
  it('batches in flight × connections per batch never exceed the budget', () => {
    for (const budget of [1, 2, 3, 4, 7, 16, 50]) {
      for (const concurrency of [1, 2, 3, 8]) {
        const p = maxAckPendingFor(budget, concurrency);
        const c = connectionsPerBatch({ clusterConnectionBudget: budget, tenantConcurrency: concurrency }, p);
        expect(p * c, `budget ${budget}, concurrency ${concurrency}`).toBeLessThanOrEqual(Math.max(budget, 1));
        expect(c).toBeGreaterThanOrEqual(1);
        expect(c).toBeLessThanOrEqual(concurrency);
      }
    }
  });

  it('shrinks a batch when the consumer allows more batches than the budget covers at full concurrency', () => {
    expect(connectionsPerBatch({ clusterConnectionBudget: 8, tenantConcurrency: 4 }, 4)).toBe(2);
    expect(connectionsPerBatch({ clusterConnectionBudget: 8, tenantConcurrency: 4 }, 1)).toBe(4);
    expect(connectionsPerBatch({ clusterConnectionBudget: 0, tenantConcurrency: 3 }, 1)).toBe(3);
  });
});
