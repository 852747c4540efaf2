import { startStack } from './stack.js';

// `npm run start:all`: the four services and the web console on their default ports against local PostgreSQL and NATS,
// logs to this terminal, all stopped on Ctrl-C / SIGTERM.
const colors = { planner: 36, scheduler: 35, executor: 33, 'health-monitor': 32, console: 34 } as Record<string, number>;

function print(service: string, line: string): void {
  const color = colors[service.replace(/-\d+$/, '')] ?? 37;
  const label = process.stdout.isTTY ? `\x1b[${color}m${service.padEnd(16)}\x1b[0m` : service.padEnd(16);
  for (const part of line.split('\n')) process.stdout.write(`${label} ${part}\n`);
}

const stack = await startStack({ ports: 'default', console: true, onLine: print }).catch((error: Error) => {
  process.stderr.write(`start:all failed: ${error.message}\n`);
  process.exit(1);
});
print(
  'start:all',
  `all services are up: planner :50051, scheduler :50052, executor :50053, health-monitor :50054, console http://127.0.0.1:${stack.console?.httpPort} (Ctrl-C stops them)`,
);

let stopping = false;
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  print('start:all', 'stopping all services');
  await stack.stop();
  process.exit(code);
};
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
for (const service of stack.all()) {
  void service.exited.then((code) => {
    if (stopping) return;
    print('start:all', `a service exited unexpectedly (code ${code}): stopping the others`);
    void stop(1);
  });
}
