import type { Hazard } from '@fleetshift/contracts';

/** The stderr text of a refused plan: one line per hazard, then how to allow them. */
export function refusalMessage(refused: Hazard[]): string {
  const codes = [...new Set(refused.map((hazard) => hazard.code))];
  const lines = [
    `plan refused: it needs ${codes.length === 1 ? 'a hazard' : 'hazards'} that ${codes.length === 1 ? 'was' : 'were'} not allowed:`,
    ...refused.map((hazard) => `  ${hazard.code}: ${hazard.message}`),
    `allow ${codes.length === 1 ? 'it' : 'them'} with --allow ${codes.join(',')} (or --allow all), or change the target schema`,
  ];
  return lines.join('\n');
}
