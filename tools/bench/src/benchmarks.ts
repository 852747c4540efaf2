import type { Benchmark } from './benchmark.js';
import { fleetBenchmark } from './fleet/fleet-bench.js';
import { planBenchmark } from './plan-bench.js';
import { scaleBenchmark } from './scale/scale-bench.js';
import { throttleBenchmark } from './throttle/throttle-bench.js';
import { zdtBenchmark } from './zdt/zdt-bench.js';

/** Every benchmark, in the order `npm run bench` (no name) runs them. Add one: a file + one line here. */
export const benchmarks: Benchmark[] = [planBenchmark, throttleBenchmark, fleetBenchmark, zdtBenchmark, scaleBenchmark];
