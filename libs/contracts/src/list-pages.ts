/**
 * Walks a paged list RPC on the client side: every list call answers at most one page and a
 * next_page_token (empty on the last page), which the next call passes back as page_token.
 */
export async function* walkPages<Page extends { nextPageToken: string }>(fetchPage: (pageToken: string) => Promise<Page>): AsyncGenerator<Page> {
  let token = '';
  do {
    const page = await fetchPage(token);
    yield page;
    if (page.nextPageToken && page.nextPageToken === token) throw new Error('list walk: the server answered the same page token twice');
    token = page.nextPageToken;
  } while (token);
}

/** Every item of a paged list: `pick` takes a page's items. */
export async function allPages<Page extends { nextPageToken: string }, Item>(
  fetchPage: (pageToken: string) => Promise<Page>,
  pick: (page: Page) => Item[],
): Promise<Item[]> {
  const items: Item[] = [];
  for await (const page of walkPages(fetchPage)) items.push(...pick(page));
  return items;
}
