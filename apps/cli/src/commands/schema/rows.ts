import type { SchemaVersion } from '@fleetshift/contracts';
import { when } from '../../output/format.js';

export const versionHead = ['version', 'fingerprint', 'allowed hazards', 'created', 'description'];

export function versionRow(version: SchemaVersion): string[] {
  return [
    String(version.version),
    version.fingerprint.slice(0, 16),
    version.allowedHazards.join(',') || '-',
    when(version.createdAt),
    version.description || '-',
  ];
}

export function versionFields(version: SchemaVersion): Array<[string, string]> {
  return [
    ['version', String(version.version)],
    ['fingerprint', version.fingerprint],
    ['allowed hazards', version.allowedHazards.join(',') || '-'],
    ['description', version.description || '-'],
    ['created', when(version.createdAt)],
    ['source', version.schema?.filename || '-'],
  ];
}
