/** Evaluation report types, plus Markdown and SVG renderers for them. */
import {
  averagePrecision,
  bestF1Threshold,
  type ClassMetrics,
  expectedCalibrationError,
  metricsAtThreshold,
  rocAuc,
  rocCurve,
  thinCurve,
} from './metrics.js';

export interface BinaryLabelReport {
  label: string;
  support: number;
  positives: number;
  rocAuc: number;
  averagePrecision: number;
  threshold: number;
  f1: number;
  precision: number;
  recall: number;
  ece: number;
  roc: { fpr: number[]; tpr: number[] };
}

export interface MultiClassReport {
  head: string;
  labels: string[];
  confusion: number[][];
  perClass: ClassMetrics[];
  macroF1: number;
  weightedF1: number;
  accuracy: number;
}

export interface FunctionalityRow {
  functionality: string;
  cases: number;
  accuracy: number;
  expected: string;
}

export interface DatasetReport {
  dataset: string;
  split: string;
  rows: number;
  binary: BinaryLabelReport[];
  multiclass: MultiClassReport[];
  meanRocAuc?: number;
  functionalities?: FunctionalityRow[];
  notes?: string[];
  extra?: Record<string, number>;
}

export interface Baseline {
  dataset: string;
  metric: string;
  baseline: number;
  vigil: number;
  /** For metrics such as ECE or error rates, where beating the baseline means a smaller value. */
  lowerIsBetter?: boolean;
}

export interface EvaluationReport {
  model: string;
  version: string;
  createdAt: string;
  command: string;
  datasets: DatasetReport[];
  baselines?: Baseline[];
}

/**
 * Every binary metric for one label. `scores` must be probabilities (ECE needs them); the threshold
 * defaults to the best-F1 one.
 */
export function binaryLabelReport(
  label: string,
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  threshold?: number,
): BinaryLabelReport {
  const at =
    threshold === undefined ? bestF1Threshold(scores, labels) : metricsAtThreshold(scores, labels, threshold);
  const { fpr, tpr } = rocCurve(scores, labels);
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i]!;
  return {
    label,
    support: labels.length,
    positives,
    rocAuc: rocAuc(scores, labels),
    averagePrecision: averagePrecision(scores, labels),
    ...at,
    ece: expectedCalibrationError(scores, labels),
    roc: thinCurve({ fpr, tpr }, 200),
  };
}

/** True when `vigil` strictly improves on `baseline` in the metric's direction. */
export function beatsBaseline(b: Baseline): boolean {
  return b.lowerIsBetter ? b.vigil < b.baseline : b.vigil > b.baseline;
}

const num = (x: number, digits = 3) =>
  Number.isNaN(x) ? '—' : x === Infinity ? '∞' : x === -Infinity ? '−∞' : x.toFixed(digits);
/** Names come from datasets: keep `<` from opening raw HTML, and newlines from ending a heading or row. */
const plain = (text: string) => text.replace(/</g, '&lt;').replace(/\r?\n/g, ' ');
const cell = (text: string) => plain(text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|'));

function table(header: string[], rows: string[][], align?: ('l' | 'r')[]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const rule = header.map((_, i) => ((align?.[i] ?? (i === 0 ? 'l' : 'r')) === 'r' ? '---:' : '---'));
  return [line(header.map(cell)), line(rule), ...rows.map((r) => line(r.map(cell)))].join('\n');
}

function renderDataset(d: DatasetReport, image: string | undefined): string {
  const out = [`## ${plain(d.dataset)} (${plain(d.split)}, ${d.rows} rows)`];
  if (image) {
    const alt = plain(`ROC curves for ${d.dataset}`).replace(/[[\]]/g, '\\$&');
    const href = image.replace(
      /[()\s]/g,
      (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
    );
    out.push(`![${alt}](${href})`);
  }
  if (d.binary.length > 0) {
    out.push(
      table(
        ['Label', 'Support', 'Positives', 'ROC AUC', 'PR AUC', 'Threshold', 'F1', 'P', 'R', 'ECE'],
        d.binary.map((b) => [
          b.label,
          String(b.support),
          String(b.positives),
          num(b.rocAuc),
          num(b.averagePrecision),
          num(b.threshold),
          num(b.f1),
          num(b.precision),
          num(b.recall),
          num(b.ece),
        ]),
      ),
    );
  }
  if (d.meanRocAuc !== undefined) out.push(`Mean ROC AUC: **${num(d.meanRocAuc)}**`);
  for (const m of d.multiclass) {
    out.push(
      `### ${plain(d.dataset)}: ${plain(m.head)}`,
      table(
        ['Class', 'Precision', 'Recall', 'F1', 'Support'],
        m.perClass.map((c) => [c.label, num(c.precision), num(c.recall), num(c.f1), String(c.support)]),
      ),
      `Macro F1 **${num(m.macroF1)}** · weighted F1 **${num(m.weightedF1)}** · accuracy **${num(m.accuracy)}**`,
      'Confusion matrix (rows = actual, columns = predicted):',
      table(
        ['actual \\ predicted', ...m.labels],
        m.confusion.map((row, i) => [m.labels[i] ?? String(i), ...row.map(String)]),
      ),
    );
  }
  if (d.functionalities?.length) {
    const sorted = [...d.functionalities].sort(
      (a, b) => a.accuracy - b.accuracy || a.functionality.localeCompare(b.functionality),
    );
    out.push(
      `### ${plain(d.dataset)}: functionalities (worst first)`,
      table(
        ['Functionality', 'Expected', 'Cases', 'Accuracy'],
        sorted.map((f) => [f.functionality, f.expected, String(f.cases), num(f.accuracy)]),
        ['l', 'l', 'r', 'r'],
      ),
    );
  }
  if (d.extra && Object.keys(d.extra).length > 0) {
    out.push(
      table(
        ['Metric', 'Value'],
        Object.entries(d.extra).map(([k, v]) => [k, num(v, 4)]),
      ),
    );
  }
  if (d.notes?.length) out.push(d.notes.map((n) => `- ${n}`).join('\n'));
  return out.join('\n\n');
}

export function renderMarkdown(
  report: EvaluationReport,
  opts: { rocImage: (dataset: DatasetReport) => string | undefined },
): string {
  const out = [
    `# Evaluation: ${plain(report.model)} ${plain(report.version)}`,
    `Created ${report.createdAt} with \`${report.command.replace(/`/g, "'")}\`.`,
  ];
  if (report.baselines?.length) {
    out.push(
      '## Baselines',
      table(
        ['Dataset', 'Metric', 'Baseline', 'Vigil', 'Beats'],
        report.baselines.map((b) => [
          b.dataset,
          b.lowerIsBetter ? `${b.metric} (lower is better)` : b.metric,
          num(b.baseline, 4),
          num(b.vigil, 4),
          beatsBaseline(b) ? '✓' : '✗',
        ]),
        ['l', 'l', 'r', 'r', 'l'],
      ),
    );
  }
  for (const d of report.datasets) out.push(renderDataset(d, opts.rocImage(d)));
  return `${out.join('\n\n')}\n`;
}

const xml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  );

/** Okabe-Ito: distinguishable with colour-blindness; the pale yellow is left out on a white ground. */
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];
const colour = (i: number) => PALETTE[i] ?? `hsl(${(i * 137.5) % 360} 70% 40%)`;

/** A standalone SVG of ROC curves, one per label, with a chance diagonal and an AUC legend. */
export function renderRocSvg(
  title: string,
  curves: { label: string; fpr: number[]; tpr: number[]; auc: number }[],
): string {
  const [w, h] = [480, 400];
  const [left, right, top, bottom] = [56, 16, 34, 48];
  const size = { x: w - left - right, y: h - top - bottom };
  const px = (fpr: number) => (left + fpr * size.x).toFixed(1);
  const py = (tpr: number) => (top + (1 - tpr) * size.y).toFixed(1);
  const ticks = [0, 0.2, 0.4, 0.6, 0.8, 1];
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="${xml(title)}" font-family="sans-serif" font-size="11">`,
    `<title>${xml(title)}</title>`,
    `<rect width="${w}" height="${h}" fill="#fff"/>`,
    `<text x="${w / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${xml(title)}</text>`,
  ];
  for (const t of ticks) {
    parts.push(
      `<line x1="${px(t)}" y1="${py(0)}" x2="${px(t)}" y2="${py(1)}" stroke="#eee"/>`,
      `<line x1="${px(0)}" y1="${py(t)}" x2="${px(1)}" y2="${py(t)}" stroke="#eee"/>`,
      `<line x1="${px(t)}" y1="${py(0)}" x2="${px(t)}" y2="${(top + size.y + 5).toFixed(1)}" stroke="#333"/>`,
      `<line x1="${(left - 5).toFixed(1)}" y1="${py(t)}" x2="${px(0)}" y2="${py(t)}" stroke="#333"/>`,
      `<text x="${px(t)}" y="${top + size.y + 18}" text-anchor="middle">${t.toFixed(1)}</text>`,
      `<text x="${left - 8}" y="${py(t)}" text-anchor="end" dominant-baseline="middle">${t.toFixed(1)}</text>`,
    );
  }
  parts.push(
    `<rect x="${left}" y="${top}" width="${size.x}" height="${size.y}" fill="none" stroke="#333"/>`,
    `<line x1="${px(0)}" y1="${py(0)}" x2="${px(1)}" y2="${py(1)}" stroke="#999" stroke-dasharray="4 4"/>`,
    `<text x="${left + size.x / 2}" y="${h - 10}" text-anchor="middle">False positive rate</text>`,
    `<text transform="translate(16 ${top + size.y / 2}) rotate(-90)" text-anchor="middle">True positive rate</text>`,
  );
  curves.forEach((c, i) => {
    const points: string[] = [];
    c.fpr.forEach((f, k) => {
      const t = c.tpr[k];
      // A class missing from the data makes its rates NaN; there is nothing to draw for those points.
      if (Number.isFinite(f) && t !== undefined && Number.isFinite(t)) points.push(`${px(f)},${py(t)}`);
    });
    parts.push(
      `<polyline points="${points.join(' ')}" fill="none" stroke="${colour(i)}" stroke-width="1.8" stroke-linejoin="round"/>`,
    );
  });
  // The bottom-right corner is where good ROC curves never go.
  const rowHeight = 16;
  const legend = curves.map((c) => `${c.label} (AUC ${num(c.auc)})`);
  const legendWidth = Math.min(size.x - 8, 28 + 6.2 * Math.max(0, ...legend.map((l) => l.length)));
  const lx = left + size.x - legendWidth - 6;
  const ly = top + size.y - rowHeight * legend.length - 10;
  if (legend.length > 0) {
    parts.push(
      `<rect x="${lx.toFixed(1)}" y="${ly}" width="${legendWidth.toFixed(1)}" height="${rowHeight * legend.length + 6}" fill="#fff" fill-opacity="0.9" stroke="#ccc"/>`,
    );
  }
  legend.forEach((text, i) => {
    const y = ly + 3 + rowHeight * i + rowHeight / 2;
    parts.push(
      `<line x1="${(lx + 6).toFixed(1)}" y1="${y}" x2="${(lx + 22).toFixed(1)}" y2="${y}" stroke="${colour(i)}" stroke-width="2.5"/>`,
      `<text x="${(lx + 26).toFixed(1)}" y="${y}" dominant-baseline="middle">${xml(text)}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
