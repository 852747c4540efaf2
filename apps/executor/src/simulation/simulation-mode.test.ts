import { describe, expect, it } from 'vitest';
import { simulationMode } from './simulation-mode.js';
import { drawDelayMs, standInDelayDefaults } from './stand-in-delay.js';

describe('simulationMode', () => {
  const local = { FLEETSHIFT_EXECUTOR_SIMULATE: '1', FLEETSHIFT_GRPC_HOST: '127.0.0.1', FLEETSHIFT_NATS_URL: 'nats://127.0.0.1:4222' };

  it('is off unless asked for, and on only when every condition holds', () => {
    expect(simulationMode({})).toEqual({ simulate: false });
    expect(simulationMode({ FLEETSHIFT_EXECUTOR_SIMULATE: '0' })).toEqual({ simulate: false });
    expect(simulationMode(local)).toEqual({ simulate: true });
    expect(simulationMode({ ...local, NODE_ENV: 'test', FLEETSHIFT_GRPC_HOST: 'localhost' })).toEqual({ simulate: true });
  });

  it('refuses (the executor exits) in production, on a non-loopback gRPC or NATS address, or for any value but "1"', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ ...local, NODE_ENV: 'production' }, /NODE_ENV=production/],
      [{ ...local, NODE_ENV: 'PRODUCTION' }, /NODE_ENV=production/],
      [{ ...local, FLEETSHIFT_GRPC_HOST: '0.0.0.0' }, /FLEETSHIFT_GRPC_HOST=0\.0\.0\.0 is not a loopback address/],
      [{ ...local, FLEETSHIFT_GRPC_HOST: '10.1.2.3' }, /FLEETSHIFT_GRPC_HOST=10\.1\.2\.3/],
      [{ ...local, FLEETSHIFT_NATS_URL: 'nats://nats.prod.internal:4222' }, /FLEETSHIFT_NATS_URL host nats\.prod\.internal/],
      [{ ...local, FLEETSHIFT_EXECUTOR_SIMULATE: 'true' }, /only "1" turns simulation on/],
      [{ ...local, FLEETSHIFT_EXECUTOR_SIMULATE: 'yes' }, /only "1"/],
    ];
    for (const [env, reason] of cases) {
      const mode = simulationMode(env);
      expect(mode.simulate).toBe(false);
      expect(mode.refusal).toMatch(/^refusing simulation mode/);
      expect(mode.refusal).toMatch(reason);
    }
  });
});

describe('drawDelayMs', () => {
  it('draws a log-normal around the median, capped', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const draws = Array.from({ length: 20_000 }, () => drawDelayMs(standInDelayDefaults, random)).sort((a, b) => a - b);
    const median = draws[10_000]!;
    expect(median).toBeGreaterThanOrEqual(27);
    expect(median).toBeLessThanOrEqual(33);
    // p99 of exp(0.8 · N(0,1)) × 30 ms is 30 · e^(0.8 · 2.326) ≈ 193 ms.
    expect(draws[19_800]!).toBeGreaterThan(150);
    expect(draws[19_800]!).toBeLessThan(250);
    expect(Math.max(...draws)).toBeLessThanOrEqual(standInDelayDefaults.maxMs);
    expect(drawDelayMs({ medianMs: 100, sigma: 0, maxMs: 50 }, random)).toBe(50);
  });
});
