import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createChannel, createSession } from 'better-sse';
import type { Logger } from '@fleetshift/telemetry';
import {
  ApiError,
  labelsFrom,
  listRolloutTenants,
  rolloutActions,
  runRolloutAction,
  searchTenants,
  tenantStatesFrom,
  tenantWithHistory,
  type RolloutAction,
} from './api-actions.js';
import type { Backends } from './backend-clients.js';
import type { ClusterFeed } from './cluster-feed.js';
import { refusalOf } from './request-guard.js';
import type { RolloutFeed } from './rollout-feed.js';
import { setSecurityHeaders } from './security-headers.js';
import type { Asset } from './static-assets.js';

export interface ConsoleServerOptions {
  host: string;
  port: number;
  apiToken?: string;
  logger: Logger;
  backends: Backends;
  rollouts: RolloutFeed;
  clusters: ClusterFeed;
  assets: Map<string, Asset>;
}

export interface RunningConsoleServer {
  port: number;
  /** Ends every event stream and stops accepting requests. */
  close(): Promise<void>;
}

/** Ids in a path segment: what the services accept is theirs to judge; this only bounds the length. */
const maxIdLength = 256;
const listPageSize = 200;

/**
 * The console's HTTP server: the page and its modules (a fixed table), and /api — a JSON view of the
 * scheduler's and the monitor's APIs, the four rollout actions, and /api/events, one server-sent event
 * stream relaying the feeds to every open page.
 */
export function startConsoleServer(options: ConsoleServerOptions): Promise<RunningConsoleServer> {
  const { logger, backends } = options;
  const channel = createChannel();
  options.rollouts.on('rollouts', (views) => channel.broadcast(views, 'rollouts'));
  options.rollouts.on('progress', (view) => channel.broadcast(view, 'progress'));
  options.clusters.on('clusters', (views) => channel.broadcast(views, 'clusters'));
  options.clusters.on('sample', (sample) => channel.broadcast(sample, 'sample'));
  options.rollouts.on('backend', (state) => channel.broadcast(state, 'backend'));
  options.clusters.on('backend', (state) => channel.broadcast(state, 'backend'));

  const api = async (request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> => {
    const parts = url.pathname.split('/').slice(2).map(segment);
    const method = request.method ?? 'GET';
    if (method === 'GET' && parts.length === 1 && parts[0] === 'events') {
      const session = await createSession(request, response, { headers: { 'Cache-Control': 'no-store' } });
      session.push({ rollouts: options.rollouts.snapshot(), clusters: options.clusters.snapshot(), history: options.clusters.history.all() }, 'snapshot');
      channel.register(session);
      return;
    }
    if (method === 'GET' && parts.length === 1 && parts[0] === 'rollouts') return json(response, 200, options.rollouts.snapshot());
    if (method === 'GET' && parts.length === 1 && parts[0] === 'clusters') {
      return json(response, 200, { clusters: options.clusters.snapshot(), history: options.clusters.history.all() });
    }
    if (method === 'GET' && parts.length === 3 && parts[0] === 'rollouts' && parts[2] === 'tenants') {
      const states = tenantStatesFrom(url.searchParams.getAll('state'));
      return json(response, 200, await listRolloutTenants(backends, parts[1], states, listPageSize));
    }
    if (method === 'POST' && parts.length === 3 && parts[0] === 'rollouts' && (rolloutActions as readonly string[]).includes(parts[2])) {
      const action = parts[2] as RolloutAction;
      const answer = await runRolloutAction(backends, action, parts[1]);
      logger.info({ rolloutId: answer.rollout.id, action, retried: answer.retried }, 'rollout action from the console');
      return json(response, 200, { ...options.rollouts.update(answer.rollout), retried: answer.retried });
    }
    if (method === 'GET' && parts.length === 2 && parts[0] === 'tenants') return json(response, 200, await tenantWithHistory(backends, parts[1], listPageSize));
    if (method === 'GET' && parts.length === 1 && parts[0] === 'tenants') {
      const search = {
        blueprint: url.searchParams.get('blueprint') ?? '',
        clusterId: url.searchParams.get('cluster') ?? '',
        labels: labelsFrom(url.searchParams.getAll('label')),
        pageSize: listPageSize,
      };
      return json(response, 200, await searchTenants(backends, search));
    }
    throw new ApiError(method === 'GET' || method === 'POST' ? 404 : 405, `no such console API: ${method} ${url.pathname}`);
  };

  const server = http.createServer((request, response) => {
    setSecurityHeaders(response);
    const url = new URL(request.url ?? '/', 'http://console.invalid');
    if (url.pathname === '/healthz') return void response.end('ok\n');
    if (url.pathname === '/api/config') return json(response, 200, { auth: Boolean(options.apiToken) });
    if (url.pathname.startsWith('/api/')) {
      const refusal = refusalOf(request.method ?? 'GET', request.headers, { bindHost: options.host, apiToken: options.apiToken });
      if (refusal) return json(response, refusal.status, { error: refusal.message });
      api(request, response, url).catch((error: unknown) => {
        if (error instanceof ApiError) return json(response, error.status, { error: error.message });
        logger.error({ err: error, path: url.pathname }, 'console request failed');
        if (!response.headersSent) json(response, 500, { error: 'internal error (see the console log)' });
        else response.end();
      });
      return;
    }
    const asset = request.method === 'GET' || request.method === 'HEAD' ? options.assets.get(url.pathname) : undefined;
    if (!asset) return void text(response, 404, 'not found\n');
    response.setHeader('Content-Type', asset.contentType);
    response.setHeader('Cache-Control', 'no-cache');
    response.end(request.method === 'HEAD' ? undefined : asset.body);
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            // Event streams never end by themselves: close their connections, then the server.
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

function segment(value: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    throw new ApiError(400, 'a path segment is not valid percent-encoding');
  }
  if (decoded.length > maxIdLength) throw new ApiError(400, `a path segment is longer than ${maxIdLength} characters`);
  return decoded;
}

function json(response: ServerResponse, statusCode: number, body: unknown): void {
  response.statusCode = statusCode;
  response.setHeader('Content-Type', 'application/json; charset=utf-8');
  response.setHeader('Cache-Control', 'no-store');
  response.end(JSON.stringify(body));
}

function text(response: ServerResponse, statusCode: number, body: string): void {
  response.statusCode = statusCode;
  response.setHeader('Content-Type', 'text/plain; charset=utf-8');
  response.end(body);
}
