import type { CpuSource } from './cpu-source.js';

export interface PrometheusCpuOptions {
  /** Base URL of the Prometheus server (its HTTP API is under /api/v1). */
  url: string;
  /** A PromQL expression that evaluates to the host's CPU utilisation in percent. */
  query: string;
  /** Give up on a request after this long. */
  timeoutMs: number;
}

interface QueryResponse {
  status: 'success' | 'error';
  error?: string;
  data?: { resultType: string; result: unknown };
}

/**
 * CPU utilisation from a Prometheus instant query (`GET /api/v1/query`), e.g. node_exporter's
 * `100 * (1 - avg(rate(node_cpu_seconds_total{mode="idle",instance="db1:9100"}[1m])))`. A vector
 * with several series gives the highest value; an empty result or a non-number is an error.
 */
export function prometheusCpuSource(options: PrometheusCpuOptions): CpuSource {
  const endpoint = new URL('api/v1/query', options.url.endsWith('/') ? options.url : `${options.url}/`);
  return {
    kind: 'prometheus',
    async read() {
      const url = new URL(endpoint);
      url.searchParams.set('query', options.query);
      const response = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs) });
      const body = (await response.json().catch(() => undefined)) as QueryResponse | undefined;
      if (!response.ok || body?.status !== 'success') {
        throw new Error(`Prometheus query failed (HTTP ${response.status}): ${body?.error ?? 'no error message'}`);
      }
      return percentFrom(body);
    },
  };
}

function percentFrom(body: QueryResponse): number {
  const { resultType, result } = body.data ?? { resultType: '', result: undefined };
  let values: unknown[];
  if (resultType === 'vector') values = (result as Array<{ value: [number, string] }>).map((series) => series.value?.[1]);
  else if (resultType === 'scalar') values = [(result as [number, string])[1]];
  else throw new Error(`Prometheus query returned a ${resultType || 'missing'} result; expected a vector or scalar`);
  const numbers = values.map(Number).filter((n) => Number.isFinite(n));
  if (numbers.length === 0) throw new Error('Prometheus query returned no value');
  return Math.max(...numbers);
}
