import { startCpuLoad } from '@fleetshift/testing';

// `tsx tools/bench/src/cpu-load.ts [url] [connections] [seconds]`: CPU-heavy queries against a loopback
// PostgreSQL for a bounded time (the generator itself lives in libs/testing, shared with the tests).
const [url = 'postgresql://postgres@127.0.0.1:5432/postgres', connections = '2', seconds = '10'] = process.argv.slice(2);
const load = startCpuLoad({ url, connections: Number(connections), durationMs: Number(seconds) * 1000 });
process.once('SIGINT', () => void load.stop());
const result = await load.done;
const elapsed = (result.stoppedAt.getTime() - result.startedAt.getTime()) / 1000;
process.stdout.write(`cpu load: ${result.queries} queries from ${connections} sessions in ${elapsed.toFixed(1)} s\n`);
