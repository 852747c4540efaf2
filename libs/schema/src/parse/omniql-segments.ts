/**
 * Splitting OmniQL text into statements and statements into parts, aware of quotes and parentheses
 * (DECIMAL(10,2) has a comma, DEFAULT('a:b') a colon) and keeping each piece's offset in the input
 * so errors can name a line and column.
 */

/** A piece of the input and the character offset where it starts. */
export interface Segment {
  text: string;
  offset: number;
}

/**
 * Statements end at a newline or `;` outside quotes and parentheses. A line ending in `,` continues
 * on the next one, so a long column list may wrap. `--` starts a comment to the end of the line.
 */
export function splitStatements(input: string): Segment[] {
  const statements: Segment[] = [];
  let current = '';
  let start = 0;
  let depth = 0;
  let quote: string | undefined;
  const finish = (end: number) => {
    pushTrimmed(statements, { text: current, offset: start });
    current = '';
    start = end + 1;
  };
  for (let i = 0; i < input.length; i++) {
    const c = input[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      current += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      current += c;
    } else if (c === '-' && input[i + 1] === '-') {
      const end = input.indexOf('\n', i);
      const skipTo = end < 0 ? input.length : end;
      current += ' '.repeat(skipTo - i);
      i = skipTo - 1;
    } else if (c === '(' || c === ')') {
      depth += c === '(' ? 1 : -1;
      current += c;
    } else if (c === ';' || (c === '\n' && depth <= 0 && !current.trimEnd().endsWith(','))) {
      finish(i);
      depth = 0;
    } else {
      current += c;
    }
  }
  finish(input.length);
  return statements;
}

/** Splits at `separator` outside quotes and parentheses; pieces are trimmed, empty ones kept. */
export function splitTopLevel(segment: Segment, separator: string): Segment[] {
  const parts: Segment[] = [];
  let depth = 0;
  let quote: string | undefined;
  let partStart = 0;
  const text = segment.text;
  for (let i = 0; i <= text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === '(') {
      depth++;
    } else if (c === ')') {
      depth--;
    } else if (c === undefined || (c === separator && depth === 0)) {
      parts.push(trim({ text: text.slice(partStart, i), offset: segment.offset + partStart }));
      partStart = i + 1;
    }
  }
  return parts;
}

/** The segment without surrounding whitespace, its offset moved past the leading part. */
export function trim(segment: Segment): Segment {
  const leading = segment.text.length - segment.text.trimStart().length;
  return { text: segment.text.trim(), offset: segment.offset + leading };
}

function pushTrimmed(into: Segment[], segment: Segment): void {
  const trimmed = trim(segment);
  if (trimmed.text.length > 0) into.push(trimmed);
}
