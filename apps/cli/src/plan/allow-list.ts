import { allHazardCodes } from '@fleetshift/schema';
import { badInput } from '../cli-error.js';

/**
 * `--allow` values (each may hold a comma-separated list, and the option may repeat) as the list of
 * hazard codes the caller allows; "all" allows every hazard. Case-insensitive (`--allow deletes_data`).
 * An unknown code is bad input: a typo would otherwise allow nothing, silently.
 */
export function parseAllowList(values: string[]): string[] {
  const codes = values
    .flatMap((value) => value.split(','))
    .map((code) => code.trim())
    .filter((code) => code.length > 0)
    .map((code) => (code.toLowerCase() === 'all' ? 'all' : code.toUpperCase()));
  const unknown = codes.filter((code) => code !== 'all' && !allHazardCodes.includes(code));
  if (unknown.length > 0) {
    throw badInput(`--allow: unknown hazard code ${unknown.join(', ')} (known: ${allHazardCodes.join(', ')}, or all)`);
  }
  return [...new Set(codes)];
}
