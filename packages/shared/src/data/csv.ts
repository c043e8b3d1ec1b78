/**
 * CSV as RFC 4180 says: quoted cells may hold commas, quotes ("") and line
 * breaks. Parsing is csv-parse's (a well-kept parser), configured strictly;
 * every problem is reported with the file's own name and line. Text with no
 * quote and no carriage return (every file this project writes, bar a quoted
 * cell) has nothing for it to interpret: splitting gives the same rows about
 * ten times faster.
 */
import { createRequire } from 'node:module';
import type * as CsvParse from 'csv-parse/sync';
import type { CsvError } from 'csv-parse/sync';
import { FedError } from '../util/errors.ts';

export interface CsvRow {
  /** 1-based line of the file where the row starts */
  line: number;
  cells: string[];
}

interface Parsed {
  record: string[];
  raw: string;
  info: { lines: number };
}

/** Every non-blank row of a CSV text, with the line it starts on. */
export function parseCsv(text: string, file: string): CsvRow[] {
  return isPlain(text) ? [...plainRows(text)] : parseCsvGeneral(text, file);
}

/** The same rows one at a time: a reader that keeps only what it needs of a million rows never holds them all. */
export function csvRows(text: string, file: string): Iterable<CsvRow> {
  return isPlain(text) ? plainRows(text) : parseCsvGeneral(text, file);
}

const isPlain = (text: string) => !text.includes('"') && !text.includes('\r');
const BOM = 0xfeff;

/** Quote-free text with \n line breaks: a row per non-empty line, a cell per comma. */
function* plainRows(text: string): Generator<CsvRow> {
  let at = text.charCodeAt(0) === BOM ? 1 : 0;
  for (let line = 1; at < text.length; line++) {
    const end = text.indexOf('\n', at);
    const stop = end < 0 ? text.length : end;
    if (stop > at) yield { line, cells: text.slice(at, stop).split(',') };
    at = stop + 1;
  }
}

/** True when the file's bytes hold no quote and no carriage return: plainByteLines reads it. */
export const isPlainBytes = (buf: Uint8Array): boolean => !buf.includes(34) && !buf.includes(13);

/**
 * The lines of a plain file's bytes, as plainRows finds them (a BOM skipped,
 * blank lines skipped, the same line numbers), given as byte offsets: a reader
 * decodes only what it keeps, each kept cell a string of its own. A cell cut
 * from the whole text would be a view on it (V8 slices of 13 characters or
 * more), and a million kept ids then keep the file's text alive.
 */
export function* plainByteLines(buf: Uint8Array): Generator<{ line: number; start: number; end: number }> {
  let at = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  for (let line = 1; at < buf.length; line++) {
    const end = buf.indexOf(10, at);
    const stop = end < 0 ? buf.length : end;
    if (stop > at) yield { line, start: at, end: stop };
    at = stop + 1;
  }
}

/**
 * Each distinct text once, as a string of its own (a copy, never a view on a
 * file's text): for cells with a few values over a million rows, such as
 * grades or reason codes.
 */
export function textInterner(): (text: string) => string {
  const texts = new Map<string, string>();
  return (text) => {
    let t = texts.get(text);
    if (t === undefined) {
      t = Buffer.from(text).toString();
      texts.set(t, t);
    }
    return t;
  };
}

/** The general path (csv-parse): what parseCsv does with any text that has a quote or a carriage return. */
export function parseCsvGeneral(text: string, file: string): CsvRow[] {
  // loaded on first use: most processes never meet a quoted cell
  const { parse } = createRequire(import.meta.url)('csv-parse/sync') as typeof CsvParse;
  let records: Parsed[];
  try {
    records = parse(text, {
      bom: true,
      info: true,
      raw: true,
      relax_column_count: true,
      skip_empty_lines: true,
      record_delimiter: ['\r\n', '\n'],
    }) as unknown as Parsed[];
  } catch (err) {
    const e = err as CsvError & { lines?: number };
    const what = e.code === 'CSV_QUOTE_NOT_CLOSED' ? 'a quoted cell is never closed' : (e.message ?? String(err)).split(' at line')[0];
    throw new FedError('DATA_ERR_CSV', `${file} line ${e.lines ?? '?'}: ${what}`, { cause: err, details: { file, line: e.lines } });
  }
  return records.map(({ record, raw, info }) => {
    // raw holds the blank lines skipped before the row and its own line break: neither moves its start
    const body = raw.replace(/^(\r?\n)+/, '').replace(/\r?\n$|\r$/, '');
    const breaks = body.match(/\n/g)?.length ?? 0;
    return { line: info.lines - breaks, cells: record };
  });
}

/** One CSV row, quoting a cell only where RFC 4180 needs it. */
export function csvRow(cells: readonly (string | number)[]): string {
  return cells.map((c) => csvCell(String(c))).join(',');
}

/**
 * A number's text, the same as String(x) (for a finite number JSON.stringify is ToString by its spec). V8
 * keeps what String(x) makes in its number-to-string cache, so each such string outlives a scavenge: a
 * million rows of them (scores.csv's logits and PDs) left about 70 MB in the old generation until a full
 * collection. JSON.stringify's are garbage at once.
 */
export function numberText(x: number): string {
  return Number.isFinite(x) ? JSON.stringify(x) : String(x);
}

/** One CSV cell, quoted only where RFC 4180 needs it (a scan, not a regular expression: files of a million rows call it for every cell). */
export function csvCell(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34 || c === 44 || c === 10 || c === 13) return `"${s.replaceAll('"', '""')}"`;
  }
  return s;
}
