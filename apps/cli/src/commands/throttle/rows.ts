import { ManualThrottleMode, ThrottleLevel, type ClusterHealth } from '@fleetshift/contracts';
import { enumName, when } from '../../output/format.js';

export const healthHead = ['cluster', 'level', 'since', 'manual', 'reason', 'cpu source', 'signals'];

function manualText(health: ClusterHealth): string {
  const manual = health.manual;
  if (!manual || manual.mode === ManualThrottleMode.MANUAL_THROTTLE_MODE_UNSPECIFIED) return '-';
  const mode = enumName(ManualThrottleMode, manual.mode, 'MANUAL_THROTTLE_MODE_').toLowerCase();
  return manual.expiresAt ? `${mode} until ${manual.expiresAt.toISOString()}` : mode;
}

export function healthRow(health: ClusterHealth): string[] {
  const signals = health.signals
    .map((s) => (s.available ? `${s.name}=${Number(s.value.toFixed(2))}/${s.threshold}` : `${s.name}=n/a`))
    .join(' ');
  return [
    health.clusterId,
    enumName(ThrottleLevel, health.level, 'THROTTLE_LEVEL_'),
    when(health.levelSince),
    manualText(health),
    health.reason || health.manual?.reason || '-',
    // postmaster (the PostgreSQL server's processes), proc-stat (the whole host), prometheus, pg-stats, none.
    health.cpuSource || '-',
    signals || '-',
  ];
}
