import type { FunctionDef } from '../../catalog/model.js';

/**
 * Whether CREATE OR REPLACE cannot turn `from` into `to`: the signature line (parameter names, defaults)
 * or the RETURNS line of pg_get_functiondef differs.
 */
export function functionMustBeDropped(from: FunctionDef, to: FunctionDef): boolean {
  const header = (f: FunctionDef) => f.definition.split('\n').slice(0, 2).join('\n');
  return header(from) !== header(to);
}
