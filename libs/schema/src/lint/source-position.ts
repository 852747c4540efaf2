/** Maps libpg-query byte offsets (UTF-8) to 1-based line and column (in characters) of the text. */
export class SourcePosition {
  private readonly bytes: Buffer;

  constructor(readonly text: string) {
    this.bytes = Buffer.from(text, 'utf8');
  }

  /** Line and column of the first token at or after `byteOffset`, skipping blanks and comments. */
  at(byteOffset: number): { line: number; column: number } {
    let offset = this.bytes.subarray(0, byteOffset).toString('utf8').length;
    offset = skipBlanksAndComments(this.text, offset);
    const before = this.text.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - (before.lastIndexOf('\n') + 1) + 1;
    return { line, column };
  }
}

function skipBlanksAndComments(text: string, from: number): number {
  let i = from;
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (text.startsWith('--', i)) {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end + 1;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else return i;
  }
}
