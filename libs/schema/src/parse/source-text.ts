/** A 1-based line and column (columns count characters, as editors do). */
export interface SourcePosition {
  line: number;
  column: number;
}

/**
 * Input text with position arithmetic. libpg-query reports statement locations as byte offsets into
 * the UTF-8 encoding, PostgreSQL reports 1-based character positions, and people want line:column.
 */
export class SourceText {
  private readonly lineStarts: number[] = [0];
  private readonly ascii: boolean;
  private bytes?: Buffer;

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
    }
    this.ascii = Buffer.byteLength(text, 'utf8') === text.length;
  }

  /** Character offset of a UTF-8 byte offset. */
  charOffset(byteOffset: number): number {
    if (this.ascii) return byteOffset;
    this.bytes ??= Buffer.from(this.text, 'utf8');
    return this.bytes.subarray(0, byteOffset).toString('utf8').length;
  }

  /** The text between two UTF-8 byte offsets. */
  sliceBytes(start: number, end: number): string {
    if (this.ascii) return this.text.slice(start, end);
    this.bytes ??= Buffer.from(this.text, 'utf8');
    return this.bytes.subarray(start, end).toString('utf8');
  }

  /** Line and column of a 0-based character offset. */
  position(charOffset: number): SourcePosition {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.lineStarts[mid]! <= charOffset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: charOffset - this.lineStarts[low]! + 1 };
  }
}

/**
 * Offset of the first character at or after `from` that is not whitespace or a comment: libpg-query's
 * statement locations start right after the previous semicolon, comments included.
 */
export function skipBlanksAndComments(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') {
      i++;
    } else if (text.startsWith('--', i)) {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end + 1;
    } else if (text.startsWith('/*', i)) {
      i = endOfBlockComment(text, i);
    } else {
      break;
    }
  }
  return i;
}

/** Block comments nest in PostgreSQL. */
function endOfBlockComment(text: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < text.length) {
    if (text.startsWith('/*', i)) {
      depth++;
      i += 2;
    } else if (text.startsWith('*/', i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return text.length;
}
