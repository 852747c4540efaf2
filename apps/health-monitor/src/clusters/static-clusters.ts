import type { ClusterSpec } from './cluster-spec.js';

/**
 * Parses FLEETSHIFT_CLUSTERS: `id=postgresql://user[:password]@host[:port]/database` entries separated
 * by commas, e.g. `local=postgresql://postgres@127.0.0.1:5432/postgres`. Throws a message naming the
 * bad entry (never its password).
 */
export function parseStaticClusters(text: string): ClusterSpec[] {
  const clusters: ClusterSpec[] = [];
  for (const entry of text.split(',').map((e) => e.trim()).filter(Boolean)) {
    const separator = entry.indexOf('=');
    const id = entry.slice(0, separator).trim();
    if (separator <= 0 || !/^[A-Za-z0-9_-]+$/.test(id)) {
      throw new Error(`expected id=postgresql://user@host:port/database entries separated by commas; bad cluster id in entry ${clusters.length + 1}`);
    }
    let url: URL;
    try {
      url = new URL(entry.slice(separator + 1).trim());
    } catch {
      throw new Error(`cluster ${id}: not a URL`);
    }
    if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') throw new Error(`cluster ${id}: expected a postgresql:// URL`);
    if (clusters.some((c) => c.id === id)) throw new Error(`cluster ${id} is listed twice`);
    clusters.push({
      id,
      host: url.hostname || '127.0.0.1',
      port: url.port ? Number(url.port) : 5432,
      user: decodeURIComponent(url.username) || 'postgres',
      database: decodeURIComponent(url.pathname.slice(1)) || 'postgres',
      password: url.password ? decodeURIComponent(url.password) : undefined,
    });
  }
  if (clusters.length === 0) throw new Error('no cluster listed');
  return clusters;
}
