import { SchemaFormat } from '@fleetshift/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSchemaSource } from './parse-schema-source.js';
import { SchemaInputError } from './schema-input-error.js';

// Mutated schema texts (SQL and OmniQL) to the parser: every input either parses or is refused with a
// SchemaInputError naming file:line:column — never another exception (which the planner would answer as
// INTERNAL) and never a hang.
const sqlSeeds = [
  'CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL UNIQUE, created_at timestamptz DEFAULT now());',
  "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');\nCREATE TABLE t (m mood, n numeric(10,2) CHECK (n > 0));",
  'CREATE TABLE a (id int PRIMARY KEY);\nCREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a (id) ON DELETE CASCADE);\nCREATE INDEX b_a ON b (a_id);',
  "CREATE SEQUENCE s START 10;\nCREATE VIEW v AS SELECT 1 AS one;\nCOMMENT ON TABLE a IS 'x';",
  'CREATE SCHEMA app;\nCREATE TABLE app.items (id uuid PRIMARY KEY, tags text[] NOT NULL DEFAULT \'{}\', doc jsonb);',
];
const omniqlSeeds = [
  ':CREATE TABLE User WITH id:AUTO, email:STRING:NOTNULL:UNIQUE, age:INT',
  ':CREATE TABLE Post WITH id:AUTO, title:STRING(200):NOTNULL, body:TEXT\n:CREATE TABLE Tag WITH id:AUTO, name:STRING:UNIQUE',
];
const fragments = [
  '(', ')', ',', ';', "'", '"', '$$', '--', '/*', '*/', '\u0000', '\n', ' ', 'NULL', 'NOT', 'PRIMARY KEY', 'DEFAULT', 'CREATE', 'TABLE',
  'DROP', 'ALTER', ':', '::', 'WITH', 'AUTO', 'STRING', '0x', '1e999', '-', '😀', '\uD800', 'x'.repeat(200), '[]', 'ENUM', 'REFERENCES',
];

/** A seed with a few edits: fragments inserted, spans deleted or duplicated, characters replaced. */
function mutatedText(seeds: string[]): fc.Arbitrary<string> {
  const edit = fc.oneof(
    fc.tuple(fc.constant('insert' as const), fc.nat(), fc.oneof(fc.constantFrom(...fragments), fc.string({ maxLength: 8 }))),
    fc.tuple(fc.constant('delete' as const), fc.nat(), fc.integer({ min: 1, max: 12 })),
    fc.tuple(fc.constant('repeat' as const), fc.nat(), fc.integer({ min: 1, max: 30 })),
  );
  return fc.tuple(fc.constantFrom(...seeds), fc.array(edit, { minLength: 1, maxLength: 4 })).map(([seed, edits]) => {
    let text = seed;
    for (const [kind, at, arg] of edits) {
      const i = at % (text.length + 1);
      if (kind === 'insert') text = text.slice(0, i) + arg + text.slice(i);
      else if (kind === 'delete') text = text.slice(0, i) + text.slice(i + (arg as number));
      else text = text.slice(0, i) + text.slice(i, i + (arg as number)).repeat(3) + text.slice(i);
    }
    return text;
  });
}

describe('schema parser fuzzing', () => {
  it('parses or refuses with file:line:column every mutated SQL and OmniQL text', async () => {
    const inputs = [
      ...fc.sample(mutatedText(sqlSeeds).map((text) => ({ format: SchemaFormat.SCHEMA_FORMAT_SQL, text, filename: 'fuzz.sql' })), { numRuns: 1200, seed: 7 }),
      ...fc.sample(mutatedText(omniqlSeeds).map((text) => ({ format: SchemaFormat.SCHEMA_FORMAT_OMNIQL, text, filename: 'fuzz.oql' })), { numRuns: 800, seed: 11 }),
      ...fc.sample(fc.string({ maxLength: 120 }).map((text) => ({ format: SchemaFormat.SCHEMA_FORMAT_SQL, text, filename: 'random.sql' })), { numRuns: 200, seed: 13 }),
      ...fc.sample(fc.string({ maxLength: 120 }).map((text) => ({ format: SchemaFormat.SCHEMA_FORMAT_OMNIQL, text, filename: 'random.oql' })), { numRuns: 200, seed: 17 }),
    ];
    const problems: string[] = [];
    let parsed = 0;
    for (const source of inputs) {
      try {
        await parseSchemaSource(source);
        parsed += 1;
      } catch (error) {
        if (error instanceof SchemaInputError) {
          if (!/^fuzz\.(sql|oql):\d+:\d+: \S/.test(error.message) && !/^random\.(sql|oql):\d+:\d+: \S/.test(error.message)) {
            problems.push(`${JSON.stringify(source.text.slice(0, 120))}: unclear message ${JSON.stringify(error.message)}`);
          }
        } else {
          problems.push(`${JSON.stringify(source.text.slice(0, 120))}: ${(error as Error)?.name}: ${(error as Error)?.message}`);
        }
      }
    }
    console.info(`schema parser fuzz: ${inputs.length} texts, ${parsed} parsed, ${inputs.length - parsed} refused`);
    expect(problems.slice(0, 15)).toEqual([]);
    expect(parsed).toBeGreaterThan(0);
  }, 120_000);
});
