export * from './catalog/model.js';
export { quoteIdent, quoteQualified, quoteLiteral } from './sql/quote.js';
