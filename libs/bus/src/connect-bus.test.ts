import { describe, expect, it } from 'vitest';
import { connectBus } from './connect-bus.js';

describe('connectBus', () => {
  it('names an unreachable server without its credentials', async () => {
    const failure = await connectBus('nats://fleet:s3cret@127.0.0.1:1', 'connect-bus-test').catch((error: Error) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/^NATS not reachable at nats:\/\/fleet:\*\*\*@127\.0\.0\.1:1: /);
    expect((failure as Error).message).not.toContain('s3cret');
    const token = await connectBus('nats://s3cret-token@127.0.0.1:1', 'connect-bus-test').catch((error: Error) => error);
    expect((token as Error).message).toMatch(/^NATS not reachable at nats:\/\/\*\*\*@127\.0\.0\.1:1: /);
  });
});
