/**
 * Hiding credentials from log lines and messages: `redactUrl` for one connection URL, `redactSecrets`
 * for free text that may hold URLs or `password=…`, `redactNamedValue` for a value known by its name
 * (a configuration variable). Imported by the services through '@fleetshift/telemetry', and by libraries
 * that need nothing else of telemetry through '@fleetshift/telemetry/redact'.
 */

/** What a hidden credential reads as. */
const hidden = '***';

/** Schemes whose URL user without a password is a token (`nats://<token>@host`), not a name. */
const tokenUserSchemes = new Set(['nats', 'tls', 'ws', 'wss']);

/** Query parameters and keywords that carry a credential (libpq reads `password` from a URL's query too). */
const secretParameters = ['password', 'sslpassword', 'token'];

/** `scheme://authority` in free text; the authority ends at a path, query, fragment, quote or space. */
const urlAuthority = /\b([a-z][a-z0-9+.-]*):\/\/([^\s/?#'"<>]*)/gi;

/** `password=…` as libpq keyword/value strings and URL queries write it (quoted or not). */
const secretAssignment = new RegExp(`\\b(${secretParameters.join('|')})(\\s*=\\s*)('(?:[^'\\\\]|\\\\.)*'|"(?:[^"\\\\]|\\\\.)*"|[^\\s&;,'"]+)`, 'gi');

/** Variable names whose whole value is a secret (FLEETSHIFT_API_TOKEN, …_PASSWORD, …). */
const secretName = /token|password|passwd|secret|credential|api_?key/i;

/**
 * A connection URL fit for a log line or an error message: the password (a NATS URL's token, a password
 * in the query) replaced by `***`; user, host, port and path kept, so the message still says where. A
 * URL the WHATWG parser refuses (a multi-host PostgreSQL URL, say) is redacted as text.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return redactSecrets(url);
  }
  if (parsed.password) parsed.password = hidden;
  else if (parsed.username && tokenUserSchemes.has(parsed.protocol.slice(0, -1).toLowerCase())) parsed.username = hidden;
  for (const name of [...parsed.searchParams.keys()]) {
    if (secretParameters.includes(name.toLowerCase())) parsed.searchParams.set(name, hidden);
  }
  return parsed.toString();
}

/**
 * Free text (an error message, a configuration value, a command line) fit for a log line: every URL's
 * password (and a NATS URL's token) and every `password=…` replaced by `***`; users, hosts and the rest
 * kept. The userinfo ends at the authority's last `@`, as URL parsers read it, so a password with an
 * unencoded `@` is hidden whole.
 */
export function redactSecrets(text: string): string {
  return text
    .replace(urlAuthority, (match, scheme: string, authority: string) => {
      const at = authority.lastIndexOf('@');
      if (at < 0) return match;
      const userinfo = authority.slice(0, at);
      const colon = userinfo.indexOf(':');
      let masked: string;
      if (colon >= 0) masked = `${userinfo.slice(0, colon)}:${hidden}`;
      else if (userinfo && tokenUserSchemes.has(scheme.toLowerCase())) masked = hidden;
      else return match;
      return `${scheme}://${masked}${authority.slice(at)}`;
    })
    .replace(secretAssignment, (_match, name: string, equals: string) => `${name}${equals}${hidden}`);
}

/**
 * A named value as it may be shown (in a configuration error, say): hidden whole when the name says it
 * is a secret, else with the secrets inside it redacted.
 */
export function redactNamedValue(name: string, value: string): string {
  return value !== '' && secretName.test(name) ? hidden : redactSecrets(value);
}
