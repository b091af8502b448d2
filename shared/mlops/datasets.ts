/**
 * Labelled datasets for retraining: the columns a model's manifest implies, CSV or JSONL parsing, and
 * the checks an uploaded file must pass (schema, label values, size, duplicates, empty texts, balance).
 */
import { parseRecords } from '../ml/csv.js';
import type { TextModelManifest } from '../text/manifest.js';
import type { DatasetLimits } from './config.js';

/** One training row; per head: sigmoid → one 0/1 per label, softmax → [class index]; null = unlabelled. */
export interface TrainingExample {
  text: string;
  lang: string | null;
  targets: Record<string, number[] | null>;
}

export interface DatasetColumns {
  required: string[];
  optional: string[];
}

/** `text`, every sigmoid label (0/1); optional `lang` and one column per softmax head (a label or empty). */
export function datasetColumns(manifest: Pick<TextModelManifest, 'heads'>): DatasetColumns {
  const required = ['text'];
  const optional = ['lang', 'id'];
  for (const head of manifest.heads) {
    if (head.activation === 'sigmoid') required.push(...head.labels);
    else optional.push(head.name);
  }
  return { required, optional };
}

export interface DatasetProblem {
  check: 'format' | 'size' | 'schema' | 'labels' | 'rows' | 'empty' | 'duplicates' | 'balance' | 'length';
  message: string;
}

export interface DatasetValidation {
  ok: boolean;
  model: string;
  format: 'csv' | 'jsonl';
  problems: DatasetProblem[];
  stats: {
    bytes: number;
    rows: number;
    emptyShare: number;
    duplicateShare: number;
    /** Duplicated texts whose labels disagree. */
    conflictingDuplicates: number;
    /** Primary label of each sigmoid head → share of positive rows. */
    positiveShare: Record<string, number>;
    languages: Record<string, number>;
  };
}

export function datasetFormat(name: string): 'csv' | 'jsonl' | null {
  const lower = name.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  return null;
}

type Cells = Record<string, string>;

function readRows(
  bytes: Buffer,
  format: 'csv' | 'jsonl',
): { header: string[]; rows: Cells[]; lines: number[] } {
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  if (format === 'csv') {
    const parsed = parseRecords(text);
    return { header: parsed.header.map((h) => h.trim()), rows: parsed.rows, lines: parsed.lines };
  }
  const rows: Cells[] = [];
  const lines: number[] = [];
  const header = new Set<string>();
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new DatasetFormatError(`line ${i + 1} is not JSON`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      throw new DatasetFormatError(`line ${i + 1} is not a JSON object`);
    const cells: Cells = {};
    for (const [k, v] of Object.entries(value)) {
      header.add(k);
      cells[k] = v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
    }
    rows.push(cells);
    lines.push(i + 1);
  });
  return { header: [...header], rows, lines };
}

export class DatasetFormatError extends Error {
  override name = 'DatasetFormatError';
}

const BINARY: Record<string, number> = { '0': 0, '1': 1, false: 0, true: 1, '0.0': 0, '1.0': 1 };

/**
 * Parses and checks a labelled file for `manifest`'s model. Messages name rows and columns, never the
 * texts themselves (the report is written beside the file and logged in part).
 *
 * @example
 *   const { validation, examples } = validateDataset(bytes, 'x.csv', manifest, config.mlops.datasets);
 *   if (!validation.ok) await blobs.put('datasets/…/x.csv.validation.json', …);
 */
export function validateDataset(
  bytes: Buffer,
  objectName: string,
  manifest: Pick<TextModelManifest, 'name' | 'heads' | 'languages' | 'limits'>,
  limits: DatasetLimits,
): { validation: DatasetValidation; examples: TrainingExample[] } {
  const format = datasetFormat(objectName) ?? 'csv';
  const problems: DatasetProblem[] = [];
  const validation: DatasetValidation = {
    ok: false,
    model: manifest.name,
    format,
    problems,
    stats: emptyStats(bytes.length),
  };
  if (!datasetFormat(objectName))
    problems.push({ check: 'format', message: 'only .csv and .jsonl files are read' });
  if (bytes.length > limits.maxBytes)
    problems.push({
      check: 'size',
      message: `${bytes.length} bytes, over the ${limits.maxBytes}-byte limit`,
    });
  if (problems.length > 0) return { validation, examples: [] };

  let parsed: ReturnType<typeof readRows>;
  try {
    parsed = readRows(bytes, format);
  } catch (error) {
    problems.push({
      check: 'format',
      message: `unreadable ${format}: ${(error as Error).message.slice(0, 160)}`,
    });
    return { validation, examples: [] };
  }
  const columns = datasetColumns(manifest);
  const missing = columns.required.filter((c) => !parsed.header.includes(c));
  if (missing.length > 0) {
    problems.push({
      check: 'schema',
      message: `missing column(s) ${missing.join(', ')}; ${manifest.name} needs ${columns.required.join(', ')} (optional: ${columns.optional.join(', ')})`,
    });
    return { validation, examples: [] };
  }
  const unknown = parsed.header.filter((c) => !columns.required.includes(c) && !columns.optional.includes(c));
  if (unknown.length > 0)
    problems.push({ check: 'schema', message: `unknown column(s) ${unknown.slice(0, 10).join(', ')}` });

  const { rows, lines } = parsed;
  validation.stats.rows = rows.length;
  if (rows.length < limits.minRows || rows.length > limits.maxRows)
    problems.push({
      check: 'rows',
      message: `${rows.length} rows; between ${limits.minRows} and ${limits.maxRows} are accepted`,
    });

  const examples: TrainingExample[] = [];
  const badCells: string[] = [];
  let badCellCount = 0;
  let empty = 0;
  let tooLong = 0;
  const seen = new Map<string, string>();
  let duplicates = 0;
  const positives: Record<string, number> = {};
  rows.forEach((row, r) => {
    const text = (row.text ?? '').replace(/\r$/, '');
    if (text.trim() === '') {
      empty++;
      return;
    }
    if (text.length > manifest.limits.maxChars) tooLong++;
    const targets: Record<string, number[] | null> = {};
    let rowOk = true;
    const bad = (column: string) => {
      rowOk = false;
      badCellCount++;
      if (badCells.length < 5) badCells.push(`line ${lines[r]} column ${column}`);
    };
    for (const head of manifest.heads) {
      if (head.activation === 'sigmoid') {
        targets[head.name] = head.labels.map((label) => {
          const value = BINARY[(row[label] ?? '').trim().toLowerCase()];
          if (value === undefined) bad(label);
          return value ?? 0;
        });
      } else {
        const cell = (row[head.name] ?? '').trim();
        const index = head.labels.indexOf(cell);
        if (cell !== '' && index < 0) bad(head.name);
        targets[head.name] = cell === '' || index < 0 ? null : [index];
      }
    }
    const lang = (row.lang ?? '').trim().toLowerCase() || null;
    if (lang !== null && !/^[a-z]{2,3}$/.test(lang)) bad('lang');
    if (!rowOk) return;
    const key = text.trim().toLowerCase().replace(/\s+/g, ' ');
    const labels = JSON.stringify(targets);
    const before = seen.get(key);
    if (before !== undefined) {
      duplicates++;
      if (before !== labels) validation.stats.conflictingDuplicates++;
    } else seen.set(key, labels);
    for (const head of manifest.heads) {
      if (head.activation !== 'sigmoid') continue;
      const primary = head.labels[0] as string;
      positives[primary] = (positives[primary] ?? 0) + ((targets[head.name] as number[])[0] as number);
    }
    if (lang) validation.stats.languages[lang] = (validation.stats.languages[lang] ?? 0) + 1;
    examples.push({ text, lang, targets });
  });

  const n = Math.max(rows.length, 1);
  validation.stats.emptyShare = round(empty / n);
  validation.stats.duplicateShare = round(duplicates / n);
  if (badCellCount > 0)
    problems.push({
      check: 'labels',
      message: `${badCellCount} invalid label value(s), e.g. ${badCells.join('; ')}`,
    });
  if (empty / n > limits.maxEmptyShare)
    problems.push({
      check: 'empty',
      message: `${empty} empty text(s) (${pct(empty / n)}), over ${pct(limits.maxEmptyShare)}`,
    });
  if (duplicates / n > limits.maxDuplicateShare)
    problems.push({
      check: 'duplicates',
      message: `${duplicates} duplicate text(s) (${pct(duplicates / n)}), over ${pct(limits.maxDuplicateShare)}`,
    });
  if (tooLong > 0)
    problems.push({
      check: 'length',
      message: `${tooLong} text(s) longer than ${manifest.limits.maxChars} characters`,
    });
  const labelled = Math.max(examples.length, 1);
  for (const [label, count] of Object.entries(positives)) {
    const share = count / labelled;
    validation.stats.positiveShare[label] = round(share);
    if (Math.min(share, 1 - share) < limits.minClassShare)
      problems.push({
        check: 'balance',
        message: `"${label}" is ${pct(share)} positive; each class needs at least ${pct(limits.minClassShare)}`,
      });
  }
  validation.ok = problems.length === 0;
  return { validation, examples };
}

const round = (x: number) => Number(x.toFixed(4));
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** Statistics of a file with no rows read (yet). */
export function emptyStats(bytes: number): DatasetValidation['stats'] {
  return {
    bytes,
    rows: 0,
    emptyShare: 0,
    duplicateShare: 0,
    conflictingDuplicates: 0,
    positiveShare: {},
    languages: {},
  };
}
