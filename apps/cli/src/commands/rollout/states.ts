import { badInput } from '../../cli-error.js';
import { parseList } from '../../options.js';

/**
 * `--state` values (comma-separated, repeatable, case-insensitive) as enum values of `names`
 * (`failed` → `<prefix>FAILED`); an unknown state is bad input listing the known ones.
 */
export function parseStates<E extends number>(values: string[], names: Record<string, string | number>, prefix: string): E[] {
  const known = Object.keys(names).filter((key) => key.startsWith(prefix) && !key.endsWith('UNSPECIFIED'));
  return parseList(values).map((value) => {
    const key = `${prefix}${value.toUpperCase()}`;
    if (!known.includes(key)) {
      throw badInput(`--state ${value}: unknown state (known: ${known.map((k) => k.slice(prefix.length).toLowerCase()).join(', ')})`);
    }
    return names[key] as E;
  });
}
