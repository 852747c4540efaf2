import { walkPages } from '@fleetshift/contracts';

/** Page size the CLI asks for: the servers' maximum, so that a long list takes few calls. */
const cliPageSize = 1000;

/**
 * Every item of a paged list call, page after page (the servers answer at most 1000 per call), or the
 * first `limit` of them when a limit is given (0: all).
 */
export async function listAll<Page extends { nextPageToken: string }, Item>(
  fetchPage: (page: { pageSize: number; pageToken: string }) => Promise<Page>,
  pick: (page: Page) => Item[],
  limit = 0,
): Promise<Item[]> {
  const items: Item[] = [];
  for await (const page of walkPages((pageToken) => fetchPage({ pageSize: limit ? Math.min(cliPageSize, limit - items.length) : cliPageSize, pageToken }))) {
    items.push(...pick(page));
    if (limit && items.length >= limit) return items.slice(0, limit);
  }
  return items;
}
