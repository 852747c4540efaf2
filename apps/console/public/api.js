import { EventSourceParserStream } from '/vendor/eventsource-parser/stream.js';

// The console's /api, with the API token when the console needs one. The token is kept in this tab's
// sessionStorage and sent only as the `authorization` header: never in a URL, a cookie or the page.
const tokenKey = 'fleetshift-console-token';

export class Unauthorized extends Error {}

export function storedToken() {
  return sessionStorage.getItem(tokenKey) ?? '';
}

export function storeToken(token) {
  if (token) sessionStorage.setItem(tokenKey, token);
  else sessionStorage.removeItem(tokenKey);
}

function headers(extra = {}) {
  const token = storedToken();
  return { ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra };
}

export async function consoleConfig() {
  const response = await fetch('/api/config');
  return response.json();
}

/** GET (or POST, with the action header) an /api path; a refusal throws with the server's one line. */
export async function api(path, { method = 'GET' } = {}) {
  const response = await fetch(path, {
    method,
    headers: headers(method === 'POST' ? { 'x-fleetshift-console': '1' } : {}),
  });
  const body = await response.json().catch(() => ({ error: `${response.status} ${response.statusText}` }));
  if (response.status === 401) throw new Unauthorized(body.error);
  if (!response.ok) throw new Error(body.error ?? `${response.status} ${response.statusText}`);
  return body;
}

/**
 * Follows /api/events (server-sent events, read through fetch so that the token travels as a header,
 * which EventSource cannot send) and hands each event to onEvent(name, data). Reconnects after a
 * broken stream; onState('live' | 'reconnecting' | 'unauthorized') tells the page.
 */
export function followEvents(onEvent, onState) {
  let stopped = false;
  const run = async () => {
    while (!stopped) {
      try {
        const response = await fetch('/api/events', { headers: headers({ accept: 'text/event-stream' }) });
        if (response.status === 401) {
          onState('unauthorized');
          return;
        }
        if (!response.ok || !response.body) throw new Error(`${response.status}`);
        onState('live');
        const events = response.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
        const reader = events.getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          if (value.data) onEvent(value.event ?? 'message', JSON.parse(value.data));
        }
      } catch {
        // fall through: reconnect below
      }
      if (stopped) return;
      onState('reconnecting');
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  };
  void run();
  return () => {
    stopped = true;
  };
}
