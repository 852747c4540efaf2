import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

/** The run's choices (which fault, when, on what, for how long), all drawn from one seeded generator. */
export interface ChaosRandom {
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
}

export function chaosRandom(seed: number): ChaosRandom {
  const rng = xoroshiro128plus(seed);
  const int = (min: number, max: number) => uniformInt(rng, min, max);
  return { int, pick: (items) => items[int(0, items.length - 1)] };
}
