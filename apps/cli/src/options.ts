import { badInput } from './cli-error.js';

/** Commander collector for a repeatable option: `--label a=1 --label b=2`. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `--label k=v` values (repeatable, each may be `k=v,k2=v2`) as a map; anything else is bad input. */
export function parseLabels(values: string[] = []): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of values.flatMap((value) => value.split(',')).map((p) => p.trim()).filter(Boolean)) {
    const at = pair.indexOf('=');
    if (at <= 0) throw badInput(`--label ${pair}: expected key=value`);
    labels[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return labels;
}

/** A comma-separated list (`--tenants a,b`, repeatable), without empty items. */
export function parseList(values: string[] = []): string[] {
  return values.flatMap((value) => value.split(',')).map((item) => item.trim()).filter(Boolean);
}

/** An integer option within [min, max]; undefined when the option is absent. */
export function parseInteger(option: string, value: string | undefined, min: number, max = 2 ** 32 - 1): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number < min || number > max) {
    throw badInput(`${option} ${value}: expected an integer from ${min} to ${max}`);
  }
  return number;
}

/** A ratio option in [0, 1]; undefined when absent. */
export function parseRatio(option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < 0 || number > 1) {
    throw badInput(`${option} ${value}: expected a ratio from 0 to 1`);
  }
  return number;
}
