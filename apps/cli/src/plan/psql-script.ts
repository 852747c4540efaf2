import type { Plan } from '@fleetshift/contracts';
import { quoteIdent, renderSqlScript } from '@fleetshift/schema';

/**
 * The plan as the psql script `fleetshift plan` prints. A schema-relative plan (`--schema NAME`) has
 * unqualified statements meant to run with search_path set to the tenant's schema, so the script sets it
 * itself, before its first statement: `psql -v ON_ERROR_STOP=1 -f plan.sql` then applies it as it stands.
 */
export function psqlScript(plan: Plan, schema: string | undefined): string {
  const script = renderSqlScript(plan);
  if (!plan.schemaRelative || !schema || plan.steps.length === 0) return script;
  const lines = script.split('\n');
  const firstStatement = lines.findIndex((line) => line.trim() !== '' && !line.startsWith('--'));
  lines.splice(firstStatement, 0, `-- --schema ${schema}: unqualified names resolve in that schema`, `SET search_path = ${quoteIdent(schema)};`, '');
  return lines.join('\n');
}
