/**
 * Runs an HTTP bench several times in a row and says how often each target was met: the figures on
 * this 2-core VM drift by ±20% over minutes (BENCHMARKS.md), so one run says little about "reliably".
 * Each bench prints a last JSON line with `summary` (short figures) and `met` (target → boolean);
 * this prints one table row per run from them, then "met in k of N" per target.
 * Usage: npm run bench:repeat -- <toxicity|hate-speech> [--rounds 5] [-- <the bench's own options>]
 */
import { spawnSync } from 'node:child_process';
import { relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { option } from './support.js';

export interface BenchReport {
  summary: Record<string, string>;
  met: Record<string, boolean>;
}

const BENCHES = ['toxicity', 'hate-speech'];

/** The bench's report: the last line of its output that parses as JSON with `summary` and `met`. */
export function readReport(stdout: string): BenchReport | undefined {
  for (const line of stdout.trim().split('\n').reverse()) {
    if (!line.startsWith('{')) continue;
    try {
      const parsed = JSON.parse(line) as Partial<BenchReport>;
      if (parsed.summary && parsed.met) return { summary: parsed.summary, met: parsed.met };
    } catch {
      // Not the report line.
    }
  }
  return undefined;
}

/** A markdown table with one row per run, then one line per target: how many runs met it. */
export function tabulate(reports: readonly (BenchReport & { at: string })[]): string[] {
  const columns = [...new Set(reports.flatMap((r) => Object.keys(r.summary)))];
  const targets = [...new Set(reports.flatMap((r) => Object.keys(r.met)))];
  const lines = [
    `| run | at | ${columns.join(' | ')} | targets met |`,
    `| --- | --- | ${columns.map(() => '---').join(' | ')} | --- |`,
    ...reports.map((r, i) => {
      const met = targets.filter((t) => r.met[t]).length;
      return `| ${i + 1} | ${r.at} | ${columns.map((c) => r.summary[c] ?? '').join(' | ')} | ${met} of ${targets.length} |`;
    }),
    '',
  ];
  for (const target of targets) {
    const met = reports.filter((r) => r.met[target]).length;
    lines.push(`${target}: met in ${met} of ${reports.length} runs`);
  }
  return lines;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [name] = process.argv.slice(2);
  const rounds = Number(option('rounds', '5'));
  if (!name || !BENCHES.includes(name) || !Number.isInteger(rounds) || rounds < 1) {
    console.error(`usage: repeat.js <${BENCHES.join('|')}> [--rounds N] [-- <bench options>]`);
    process.exit(2);
  }
  const separator = process.argv.indexOf('--');
  const passThrough = separator >= 0 ? process.argv.slice(separator + 1) : [];
  const script = fileURLToPath(new URL(`./${name}.js`, import.meta.url));
  const reports: (BenchReport & { at: string })[] = [];
  for (let round = 1; round <= rounds; round++) {
    const at = new Date().toISOString().slice(11, 19);
    const run = spawnSync(process.execPath, [script, ...passThrough], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const report = readReport(run.stdout);
    if (run.status !== 0 || !report) {
      console.error(`run ${round} of ${name} failed (exit ${run.status}):\n${run.stdout}`);
      process.exit(1);
    }
    reports.push({ ...report, at });
    console.log(`run ${round}/${rounds} at ${at}: ${Object.values(report.summary).join('; ')}`);
  }
  console.log(
    `\n${name}, ${rounds} runs in a row (node ${[relative(process.cwd(), script), ...passThrough].join(' ')})`,
  );
  for (const line of tabulate(reports)) console.log(line);
}
