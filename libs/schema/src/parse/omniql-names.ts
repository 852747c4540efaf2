/**
 * OmniQL names entities in PascalCase singular and fields in camelCase; PostgreSQL tables are
 * snake_case plural and columns snake_case: User → users, OrderItem → order_items, createdAt → created_at.
 */

/** createdAt → created_at, OrderItem → order_item, HTTPStatus → http_status, already_snake stays. */
export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

/** English plural of a lower-case word, by the common rules (category → categories, address → addresses). */
export function pluralize(word: string): string {
  if (/[^aeiou]y$/.test(word)) return `${word.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/.test(word)) return `${word}es`;
  return `${word}s`;
}

/** The table an entity becomes: snake_case, last word pluralized. */
export function tableNameOf(entity: string): string {
  return pluralize(snakeCase(entity));
}

/** The column a field becomes. */
export function columnNameOf(field: string): string {
  return snakeCase(field);
}
