// How values read on the page. The API sends proto3 JSON: enum names, ISO timestamps, and no field
// at all for a zero value.

/** ROLLOUT_STATE_RUNNING → RUNNING, THROTTLE_LEVEL_OK → OK. */
export function enumName(value, prefix) {
  if (!value) return 'UNSPECIFIED';
  return String(value).startsWith(prefix) ? String(value).slice(prefix.length) : String(value);
}

export function seconds(value) {
  if (!value || !Number.isFinite(value)) return '–';
  const s = Math.round(value);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function rate(value) {
  return value ? `${value.toFixed(value < 10 ? 1 : 0)}/s` : '–';
}

export function time(iso) {
  if (!iso) return '–';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString();
}

export function count(value) {
  return Number(value ?? 0);
}
