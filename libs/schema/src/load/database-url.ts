/**
 * The URL of another database on the same server: same host, port and options, new path; with `login`,
 * that user and password instead of the server URL's.
 */
export function databaseUrlFor(serverUrl: string, database: string, login?: { name: string; password: string }): string {
  const url = new URL(serverUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  if (login) {
    url.username = encodeURIComponent(login.name);
    url.password = encodeURIComponent(login.password);
  }
  return url.toString();
}
