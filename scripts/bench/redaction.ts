/** Measures findPii against the hand-labelled sample: precision/recall/F1 per kind and language, and latency. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { findPii, PII_KINDS, type PiiKind, type PiiSpan } from '../../shared/privacy/redact.js';

export type Lang = 'en' | 'fr';
export interface SampleLine {
  lang: Lang;
  text: string;
  pii: { kind: PiiKind; value: string }[];
}
export interface Score {
  tp: number; // predicted spans that overlap a labelled span of the same kind
  fp: number;
  fn: number; // labelled spans no prediction of the same kind overlaps
  matchedGold: number;
  gold: number;
  predicted: number;
  precision: number;
  recall: number;
  f1: number;
}
export interface SampleReport {
  lines: number;
  overall: Score;
  byKind: Record<PiiKind, Score>;
  byLang: Record<Lang, Score>;
  byKindLang: Record<string, Score>;
  errors: { lang: Lang; text: string; missed: string[]; spurious: string[] }[];
}

export const MATCHING_RULE =
  'a predicted span and a labelled value match when they have the same kind and their character ranges ' +
  'overlap (exact or partial); precision = predicted spans matching some label / predicted spans, ' +
  'recall = labels matched by some prediction / labels';

/** Walks up from this file to the directory whose package.json is named "vigil" (works from dist/ too). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'vigil')
      return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('repository root (package.json named "vigil") not found');
    dir = parent;
  }
}

export function loadSample(): SampleLine[] {
  const path = join(repoRoot(), 'tests', 'fixtures', 'pii-sample.jsonl');
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as SampleLine);
}

/** Labelled values become ranges; a value repeated in a line maps to its successive occurrences. */
function goldSpans(line: SampleLine): PiiSpan[] {
  const from = new Map<string, number>();
  return line.pii.map(({ kind, value }) => {
    const start = line.text.indexOf(value, from.get(value) ?? 0);
    if (start < 0)
      throw new Error(`labelled value ${JSON.stringify(value)} not in ${JSON.stringify(line.text)}`);
    from.set(value, start + value.length);
    return { kind, start, end: start + value.length };
  });
}

const overlaps = (a: PiiSpan, b: PiiSpan) => a.kind === b.kind && a.start < b.end && b.start < a.end;

function emptyCounts() {
  return { tp: 0, fp: 0, fn: 0, matchedGold: 0, gold: 0, predicted: 0 };
}
type Counts = ReturnType<typeof emptyCounts>;

function finish(c: Counts): Score {
  const precision = c.predicted === 0 ? 1 : c.tp / c.predicted;
  const recall = c.gold === 0 ? 1 : c.matchedGold / c.gold;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { ...c, precision, recall, f1 };
}

export function scoreSample(
  sample: SampleLine[],
  detect: (text: string) => PiiSpan[] = findPii,
): SampleReport {
  const buckets = new Map<string, Counts>();
  const bump = (keys: string[], field: keyof Counts) => {
    for (const k of keys) {
      const c = buckets.get(k) ?? emptyCounts();
      c[field] += 1;
      buckets.set(k, c);
    }
  };
  const errors: SampleReport['errors'] = [];
  for (const line of sample) {
    const gold = goldSpans(line);
    const predicted = detect(line.text);
    const missed: string[] = [];
    const spurious: string[] = [];
    for (const p of predicted) {
      const keys = ['all', `kind:${p.kind}`, `lang:${line.lang}`, `${p.kind}/${line.lang}`];
      bump(keys, 'predicted');
      if (gold.some((g) => overlaps(g, p))) bump(keys, 'tp');
      else {
        bump(keys, 'fp');
        spurious.push(`${p.kind}:${line.text.slice(p.start, p.end)}`);
      }
    }
    for (const g of gold) {
      const keys = ['all', `kind:${g.kind}`, `lang:${line.lang}`, `${g.kind}/${line.lang}`];
      bump(keys, 'gold');
      if (predicted.some((p) => overlaps(g, p))) bump(keys, 'matchedGold');
      else {
        bump(keys, 'fn');
        missed.push(`${g.kind}:${line.text.slice(g.start, g.end)}`);
      }
    }
    if (missed.length || spurious.length) errors.push({ lang: line.lang, text: line.text, missed, spurious });
  }
  const get = (k: string) => finish(buckets.get(k) ?? emptyCounts());
  const byKindLang: Record<string, Score> = {};
  for (const kind of PII_KINDS)
    for (const lang of ['en', 'fr'] as const) byKindLang[`${kind}/${lang}`] = get(`${kind}/${lang}`);
  return {
    lines: sample.length,
    overall: get('all'),
    byKind: Object.fromEntries(PII_KINDS.map((k) => [k, get(`kind:${k}`)])) as Record<PiiKind, Score>,
    byLang: { en: get('lang:en'), fr: get('lang:fr') },
    byKindLang,
    errors,
  };
}

interface Timing {
  firstCallMs: number;
  sampleTexts: { count: number; meanChars: number; meanMs: number; p95Ms: number };
  comments300: { count: number; meanChars: number; meanMs: number; p95Ms: number };
}

function timeCalls(texts: string[], rounds: number) {
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const t of texts) {
      const t0 = performance.now();
      findPii(t);
      times.push(performance.now() - t0);
    }
  }
  times.sort((a, b) => a - b);
  const meanMs = times.reduce((a, b) => a + b, 0) / times.length;
  const p95Ms = times[Math.min(times.length - 1, Math.floor(times.length * 0.95))] ?? 0;
  const meanChars = texts.reduce((a, t) => a + t.length, 0) / texts.length;
  return { count: texts.length, meanChars, meanMs, p95Ms };
}

function firstCall(): number {
  const t0 = performance.now();
  findPii('Warm-up: Sarah Martin, +33 6 12 34 56 78.'); // includes the one-off lexicon load
  return performance.now() - t0;
}

function measureTiming(sample: SampleLine[], firstCallMs: number): Timing {
  const texts = sample.map((l) => l.text);
  // ~300-character comments: consecutive sample lines of one language joined until long enough.
  const long: string[] = [];
  for (const lang of ['en', 'fr'] as const) {
    let acc = '';
    for (const l of sample.filter((s) => s.lang === lang)) {
      acc = acc ? `${acc} ${l.text}` : l.text;
      if (acc.length >= 300) {
        long.push(acc);
        acc = '';
      }
    }
  }
  timeCalls(texts, 3); // JIT warm-up
  return { firstCallMs, sampleTexts: timeCalls(texts, 20), comments300: timeCalls(long, 20) };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`.padStart(7);

function printTable(report: SampleReport, timing: Timing): void {
  console.log(`PII redaction benchmark — ${report.lines} labelled lines (tests/fixtures/pii-sample.jsonl)`);
  console.log(`Matching rule: ${MATCHING_RULE}.\n`);
  const header = `${'slice'.padEnd(22)}${'gold'.padStart(6)}${'pred'.padStart(6)}${'P'.padStart(8)}${'R'.padStart(8)}${'F1'.padStart(8)}`;
  const row = (name: string, s: Score) =>
    console.log(
      `${name.padEnd(22)}${String(s.gold).padStart(6)}${String(s.predicted).padStart(6)} ${pct(s.precision)} ${pct(s.recall)} ${pct(s.f1)}`,
    );
  console.log(header);
  for (const kind of PII_KINDS) {
    row(kind, report.byKind[kind]);
    for (const lang of ['en', 'fr'] as const) row(`  ${kind}/${lang}`, report.byKindLang[`${kind}/${lang}`]!);
  }
  row('ALL en', report.byLang.en);
  row('ALL fr', report.byLang.fr);
  row('ALL', report.overall);
  const t = timing;
  console.log(`\nfirst call (lazy lexicon load): ${t.firstCallMs.toFixed(1)} ms`);
  for (const [name, s] of [
    ['sample texts', t.sampleTexts],
    ['~300-char comments', t.comments300],
  ] as const) {
    console.log(
      `${name}: n=${s.count}, mean ${s.meanChars.toFixed(0)} chars, mean ${s.meanMs.toFixed(3)} ms, p95 ${s.p95Ms.toFixed(3)} ms`,
    );
  }
  if (process.argv.includes('--errors')) {
    console.log('\nErrors:');
    for (const e of report.errors)
      console.log(
        `[${e.lang}] missed=${JSON.stringify(e.missed)} spurious=${JSON.stringify(e.spurious)} | ${e.text}`,
      );
  }
}

function main(): void {
  const firstCallMs = firstCall();
  const sample = loadSample();
  const report = scoreSample(sample);
  const timing = measureTiming(sample, firstCallMs);
  if (process.argv.includes('--json')) {
    const { errors, ...scores } = report;
    const out = process.argv.includes('--errors') ? { ...scores, errors } : scores;
    console.log(JSON.stringify({ matchingRule: MATCHING_RULE, ...out, timing }, null, 2));
  } else printTable(report, timing);
}

// Run only as a script, not when the test suite imports scoreSample.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
