/** RFC 4180 delimited-text parser tuned for multi-megabyte training files. */

export interface DelimitedOptions {
  /** One character; ',' by default. */
  delimiter?: string;
  /** false = no quote handling at all (OLID's TSV has bare `"` inside tweets). */
  quoting?: boolean;
}

export interface ParsedRecords {
  header: string[];
  rows: Record<string, string>[];
  /** 1-based line on which each row starts, so callers can point at bad data. */
  lines: number[];
}

const QUOTE = 34;
const LF = 10;
const CR = 13;
const END = -1;

/** 1-based line number of a character offset; a rescan, so only for error messages. */
const lineAt = (text: string, offset: number): number => {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
};

function parse(text: string, opts: DelimitedOptions, starts?: number[]): string[][] {
  const delimiter = opts.delimiter ?? ',';
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new Error(`csv: unsupported delimiter ${JSON.stringify(delimiter)}`);
  }
  const d = delimiter.charCodeAt(0);
  const quoting = opts.quoting ?? true;
  const n = text.length;
  const rows: string[][] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i < n) {
    starts?.push(i);
    const row: string[] = [];
    let c: number;
    for (;;) {
      if (quoting && text.charCodeAt(i) === QUOTE) {
        const open = i;
        let value = '';
        let from = i + 1;
        // indexOf jumps over long quoted comments far faster than a per-character loop.
        for (;;) {
          const q = text.indexOf('"', from);
          if (q < 0) throw new Error(`csv: unterminated quoted field starting on line ${lineAt(text, open)}`);
          if (text.charCodeAt(q + 1) === QUOTE) {
            value += text.slice(from, q + 1);
            from = q + 2;
          } else {
            value += text.slice(from, q);
            i = q + 1;
            break;
          }
        }
        row.push(value);
        c = i < n ? text.charCodeAt(i) : END;
        if (c !== END && c !== d && c !== LF && c !== CR) {
          throw new Error(`csv: unexpected character after closing quote on line ${lineAt(text, i)}`);
        }
      } else {
        const start = i;
        c = END;
        for (; i < n; i++) {
          const ch = text.charCodeAt(i);
          if (ch === d || ch === LF || ch === CR) {
            c = ch;
            break;
          }
        }
        row.push(text.slice(start, i));
      }
      // c is the terminator: the delimiter, a line end, or END.
      if (c !== d) break;
      i++;
    }
    rows.push(row);
    if (c === CR) i++;
    if (text.charCodeAt(i) === LF) i++;
  }
  return rows;
}

/** Splits text into records of fields; a trailing line end does not produce an empty record. */
export function parseDelimited(text: string, opts: DelimitedOptions = {}): string[][] {
  return parse(text, opts);
}

/** Parses a file whose first record is the header; every row must have exactly the header's width. */
export function parseRecords(text: string, opts: DelimitedOptions = {}): ParsedRecords {
  const starts: number[] = [];
  const records = parse(text, opts, starts);
  const header = records[0];
  if (!header) return { header: [], rows: [], lines: [] };
  if (new Set(header).size !== header.length) throw new Error(`csv: duplicate column in header ${header}`);
  // One forward walk over line ends turns record offsets into line numbers.
  const lines: number[] = [];
  let line = 1;
  let nl = text.indexOf('\n');
  for (const start of starts) {
    while (nl >= 0 && nl < start) {
      line++;
      nl = text.indexOf('\n', nl + 1);
    }
    lines.push(line);
  }
  const rows: Record<string, string>[] = [];
  for (let r = 1; r < records.length; r++) {
    const fields = records[r]!;
    if (fields.length !== header.length) {
      throw new Error(`csv: line ${lines[r]} has ${fields.length} fields, header has ${header.length}`);
    }
    const row: Record<string, string> = {};
    for (let k = 0; k < header.length; k++) row[header[k]!] = fields[k]!;
    rows.push(row);
  }
  return { header, rows, lines: lines.slice(1) };
}
