import { describe, expect, it } from 'vitest';
import { cpuThresholdsFor } from './cpu-thresholds.js';

describe('cpuThresholdsFor', () => {
  it('keeps the threshold within 85–95 % and the release within 10 points below it', () => {
    expect(cpuThresholdsFor(8)).toEqual({ threshold: 85, release: 75 });
    expect(cpuThresholdsFor(76)).toEqual({ threshold: 88, release: 82 });
    expect(cpuThresholdsFor(94)).toEqual({ threshold: 95, release: 94.5 });
  });
});
