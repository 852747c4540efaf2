import { quoteIdent, quoteLiteral } from '@fleetshift/sql-quote';
import { SchemaInputError, inputName } from './schema-input-error.js';
import { SourceText } from './source-text.js';
import { splitStatements, splitTopLevel, trim, type Segment } from './omniql-segments.js';
import { mapOmniqlType } from './omniql-types.js';
import { columnNameOf, tableNameOf } from './omniql-names.js';

/** One OmniQL statement translated to PostgreSQL DDL, with the input position of the statement. */
export interface TranslatedStatement {
  sql: string;
  line: number;
  column: number;
}

const createTable = /^:?\s*CREATE\s+TABLE\s+(\w+)\s+WITH\s+(.+)$/dis;
const createIndex = /^:?\s*CREATE\s+(UNIQUE\s+)?INDEX\s+(\w+)\s+ON\s+(\w+)\s*\((.*)\)\s*$/dis;
const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Translates OmniQL DDL (`:CREATE TABLE User WITH id:AUTO, email:STRING:NOTNULL:UNIQUE`,
 * `:CREATE [UNIQUE] INDEX name ON User (email)`) to PostgreSQL DDL, one statement each.
 * Throws SchemaInputError at the first thing it does not understand.
 */
export function translateOmniql(text: string, filename?: string): TranslatedStatement[] {
  const translator = new Translator(new SourceText(text), inputName(filename));
  return splitStatements(text).map((statement) => translator.statement(statement));
}

class Translator {
  constructor(
    private readonly source: SourceText,
    private readonly file: string,
  ) {}

  statement(segment: Segment): TranslatedStatement {
    const at = this.source.position(segment.offset);
    return { sql: this.translate(segment), line: at.line, column: at.column };
  }

  private translate(segment: Segment): string {
    const table = createTable.exec(segment.text);
    if (table) return this.createTable(table, segment.offset);
    const index = createIndex.exec(segment.text);
    if (index) return this.createIndex(index, segment.offset);
    const verb = /^:?\s*([A-Za-z]+(?:\s+[A-Za-z]+)?)/.exec(segment.text)?.[1]?.toUpperCase();
    const what = verb ? `${verb} is not OmniQL DDL; ` : '';
    throw this.error(segment.offset, `${what}expected ":CREATE TABLE Entity WITH field:TYPE, …" or ":CREATE [UNIQUE] INDEX name ON Entity (field, …)"`);
  }

  private createTable(match: RegExpExecArray, offset: number): string {
    const entity = match[1]!;
    const listStart = offset + match.indices![2]![0];
    const fields = splitTopLevel({ text: match[2]!, offset: listStart }, ',');
    const columns = fields.map((field) => this.column(field));
    return `CREATE TABLE ${quoteIdent(tableNameOf(entity))} (\n  ${columns.join(',\n  ')}\n)`;
  }

  private column(field: Segment): string {
    if (field.text.length === 0) throw this.error(field.offset, 'empty field definition (a stray comma?)');
    const [name, type, ...constraints] = splitTopLevel(field, ':');
    if (!identifier.test(name!.text)) throw this.error(name!.offset, `field name ${JSON.stringify(name!.text)} is not an identifier`);
    if (!type || type.text.length === 0) throw this.error(field.offset, `field ${name!.text} has no type (write ${name!.text}:STRING, …)`);
    const mapped = this.type(type);
    const clauses = [quoteIdent(columnNameOf(name!.text)), mapped.sql];
    for (const constraint of constraints) {
      const clause = this.constraint(constraint);
      if (!(mapped.primaryKey && clause === 'PRIMARY KEY')) clauses.push(clause);
    }
    return clauses.join(' ');
  }

  private type(segment: Segment): { sql: string; primaryKey: boolean } {
    const match = /^([A-Za-z]+)\s*(?:\(([^)]*)\))?$/.exec(segment.text);
    if (!match) throw this.error(segment.offset, `type ${JSON.stringify(segment.text)} is not NAME or NAME(n[,m])`);
    const args = (match[2] ?? '').split(',').map((a) => a.trim()).filter((a) => a.length > 0);
    if (args.some((a) => !/^\d+$/.test(a))) throw this.error(segment.offset, `type ${segment.text}: lengths must be whole numbers`);
    try {
      return mapOmniqlType(match[1]!, args.map(Number));
    } catch (error) {
      throw this.error(segment.offset, (error as Error).message);
    }
  }

  private constraint(segment: Segment): string {
    const words = segment.text.replace(/\s+/g, ' ').toUpperCase();
    if (words === 'NOTNULL' || words === 'NOT NULL') return 'NOT NULL';
    if (words === 'NULL') return 'NULL';
    if (words === 'UNIQUE') return 'UNIQUE';
    if (words === 'PRIMARY KEY' || words === 'PRIMARYKEY' || words === 'PK') return 'PRIMARY KEY';
    const defaultValue = /^DEFAULT\s*(?:\((.*)\)|\s(.+))$/is.exec(segment.text);
    if (defaultValue) return `DEFAULT ${defaultExpression((defaultValue[1] ?? defaultValue[2]!).trim())}`;
    const references = /^REFERENCES\s+(\w+)\s*(?:\(\s*(\w+)\s*\))?$/i.exec(segment.text);
    if (references) {
      const column = columnNameOf(references[2] ?? 'id');
      return `REFERENCES ${quoteIdent(tableNameOf(references[1]!))} (${quoteIdent(column)})`;
    }
    throw this.error(
      segment.offset,
      `unknown constraint ${JSON.stringify(segment.text)}; expected NOTNULL, UNIQUE, PRIMARY KEY (PK), DEFAULT(value) or REFERENCES Entity(field)`,
    );
  }

  private createIndex(match: RegExpExecArray, offset: number): string {
    const unique = match[1] ? 'UNIQUE ' : '';
    const name = match[2]!.toLowerCase();
    const table = tableNameOf(match[3]!);
    const listStart = offset + match.indices![4]![0];
    const columns = splitTopLevel({ text: match[4]!, offset: listStart }, ',').map((c) => this.indexColumn(c));
    return `CREATE ${unique}INDEX ${quoteIdent(name)} ON ${quoteIdent(table)} (${columns.join(', ')})`;
  }

  private indexColumn(segment: Segment): string {
    const match = /^(\w+)(?:\s+(ASC|DESC))?$/i.exec(trim(segment).text);
    if (!match) throw this.error(segment.offset, `index column ${JSON.stringify(segment.text)} is not "field" or "field ASC|DESC"`);
    const direction = match[2] ? ` ${match[2].toUpperCase()}` : '';
    return `${quoteIdent(columnNameOf(match[1]!))}${direction}`;
  }

  private error(offset: number, reason: string): SchemaInputError {
    const at = this.source.position(offset);
    return new SchemaInputError(this.file, at.line, at.column, reason);
  }
}

const defaultKeywords: Record<string, string> = {
  NOW: 'now()',
  'NOW()': 'now()',
  CURRENT_TIMESTAMP: 'CURRENT_TIMESTAMP',
  CURRENT_DATE: 'CURRENT_DATE',
  CURRENT_TIME: 'CURRENT_TIME',
  'UUID()': 'gen_random_uuid()',
  TRUE: 'true',
  FALSE: 'false',
  NULL: 'NULL',
};

/**
 * A DEFAULT value as SQL: numbers, 'quoted strings' and expressions pass through, "double quotes"
 * become a string literal, NOW/UUID() map to PostgreSQL functions, and a bare word is a string.
 */
export function defaultExpression(value: string): string {
  const keyword = defaultKeywords[value.toUpperCase()];
  if (keyword) return keyword;
  if (/^"(.*)"$/s.test(value)) return quoteLiteral(value.slice(1, -1));
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) return quoteLiteral(value);
  return value;
}
