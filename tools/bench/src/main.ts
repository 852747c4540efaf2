import { benchmarks } from './benchmarks.js';

/**
 * `npm run bench` runs every benchmark; `npm run bench -- <name> [options]` runs one;
 * `npm run bench -- help` lists them.
 */
async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === 'help' || name === '--help') {
    for (const b of benchmarks) process.stdout.write(`${b.name.padEnd(12)} ${b.description}\n`);
    return 0;
  }
  if (name === undefined || name.startsWith('-')) {
    for (const b of benchmarks) await b.run(name === undefined ? [] : argv);
    return 0;
  }
  const benchmark = benchmarks.find((b) => b.name === name);
  if (!benchmark) {
    process.stderr.write(`unknown benchmark ${JSON.stringify(name)}; known: ${benchmarks.map((b) => b.name).join(', ')}\n`);
    return 2;
  }
  await benchmark.run(args);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
