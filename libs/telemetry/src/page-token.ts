import { createHash } from 'node:crypto';
import { InvalidRequestError } from './request-errors.js';

/**
 * Page tokens of every list RPC: opaque to callers, keyset-based inside. A token is base64url JSON of
 * the list's name, a digest of the request's filters and the sort key of the last row served; the next
 * page is the rows after that key (`WHERE key > $last ORDER BY key LIMIT n`), never an OFFSET, so rows
 * inserted while a caller walks neither repeat nor hide another row. A token from another list, for other
 * filters, or not made here at all is INVALID_ARGUMENT naming page_token.
 */

/** The page sizes every list RPC shares: 0 asks for the default; anything above the maximum gets the maximum. */
export const pageSizes = { default: 100, max: 1000 } as const;

/** The page size a request gets: page_size, else the older `limit` field, else the list's default, at most the maximum. */
export function pageSizeOf(request: { pageSize?: number; limit?: number }, defaultSize: number = pageSizes.default): number {
  const asked = request.pageSize || request.limit || defaultSize;
  return Math.max(1, Math.min(asked, pageSizes.max));
}

export type PageKey = Array<string | number>;

interface TokenBody {
  l: string;
  f: string;
  k: PageKey;
}

/** Filters as JSON with object keys sorted, so that the same filters (a label map in another order) give the same digest. */
const canonical = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(canonical)
    : value && typeof value === 'object' && !(value instanceof Date)
      ? Object.fromEntries(Object.keys(value).sort().map((key) => [key, canonical((value as Record<string, unknown>)[key])]))
      : value;

const filterDigest = (filter: unknown): string => createHash('sha256').update(JSON.stringify(canonical(filter ?? null))).digest('base64url').slice(0, 16);

export function encodePageToken(list: string, filter: unknown, key: PageKey): string {
  const body: TokenBody = { l: list, f: filterDigest(filter), k: key };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

/**
 * The key a token carries, checked: the same list, the same filters, a key of `shape` (one entry per
 * sort column, 's' string or 'n' whole number). An empty token is the first page (undefined).
 */
export function decodePageToken(list: string, filter: unknown, token: string, shape: Array<'s' | 'n'>): PageKey | undefined {
  if (!token) return undefined;
  const refuse = (why: string): never => {
    throw new InvalidRequestError(`page_token: ${why}; pass the next_page_token of a previous ${list} answer with the same filters, or none for the first page`);
  };
  if (token.length > 2048 || !/^[A-Za-z0-9_-]+$/.test(token)) refuse('not a page token');
  let body: Partial<TokenBody>;
  try {
    body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<TokenBody>;
  } catch {
    return refuse('not a page token');
  }
  if (!body || typeof body !== 'object' || body.l !== list) refuse(`not a ${list} page token`);
  if (body.f !== filterDigest(filter)) refuse('made for other filters than this request\'s');
  const key = body.k;
  const valid =
    Array.isArray(key) &&
    key.length === shape.length &&
    key.every((part, i) => (shape[i] === 's' ? typeof part === 'string' && part.length <= 512 && !part.includes('\0') : Number.isSafeInteger(part) && (part as number) >= 0));
  if (!valid) refuse('its position is damaged');
  return key as PageKey;
}

/** One page cut from `limit + 1` rows: the first `limit`, and the token after the last of them when more follow. */
export function pageOf<Row>(rows: Row[], limit: number, list: string, filter: unknown, keyOf: (row: Row) => PageKey): { items: Row[]; nextPageToken: string } {
  const items = rows.slice(0, limit);
  const more = rows.length > limit && items.length > 0;
  return { items, nextPageToken: more ? encodePageToken(list, filter, keyOf(items[items.length - 1]!)) : '' };
}
