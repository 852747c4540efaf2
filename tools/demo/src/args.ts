import { parseArgs } from 'node:util';

export interface DemoArgs {
  tenants: number;
  isolation: 'database' | 'schema';
  blueprint: string;
  executors: number;
}

const usage = 'usage: npm run demo [-- --tenants N --isolation database|schema --blueprint NAME --executors N]';

/** Parses the demo's flags; a bad value throws one line naming the flag. */
export function parseDemoArgs(argv: string[]): DemoArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      tenants: { type: 'string', default: '500' },
      isolation: { type: 'string', default: 'database' },
      blueprint: { type: 'string', default: 'demo' },
      executors: { type: 'string', default: '2' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) throw new Error(usage);
  const tenants = Number(values.tenants);
  if (!Number.isInteger(tenants) || tenants < 1 || tenants > 10_000) {
    throw new Error(`--tenants ${values.tenants}: expected a whole number from 1 to 10000 (${usage})`);
  }
  if (values.isolation !== 'database' && values.isolation !== 'schema') {
    throw new Error(`--isolation ${values.isolation}: expected database or schema (${usage})`);
  }
  if (!/^[a-z][a-z0-9_]{0,30}$/.test(values.blueprint!)) {
    throw new Error(`--blueprint ${values.blueprint}: expected lowercase letters, digits and _ (${usage})`);
  }
  const executors = Number(values.executors);
  if (!Number.isInteger(executors) || executors < 1 || executors > 16) {
    throw new Error(`--executors ${values.executors}: expected a whole number from 1 to 16 (${usage})`);
  }
  return { tenants, isolation: values.isolation, blueprint: values.blueprint!, executors };
}
