/** Report assembly and rendering: metric plumbing, Markdown tables and well-formed SVG. */
import { describe, expect, it } from 'vitest';
import {
  averagePrecision,
  bestF1Threshold,
  expectedCalibrationError,
  metricsAtThreshold,
  rocAuc,
} from '../../shared/ml/metrics.js';
import {
  binaryLabelReport,
  type DatasetReport,
  type EvaluationReport,
  renderMarkdown,
  renderRocSvg,
} from '../../shared/ml/report.js';

/**
 * A small XML well-formedness check (Node has no DOMParser): every `<` opens a tag with quoted
 * attributes, tags nest, and `&` only starts a predefined entity, in text and attribute values alike.
 */
function wellFormed(doc: string): boolean {
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/y;
  const badAmp = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;
  const stack: string[] = [];
  let i = 0;
  while (i < doc.length) {
    const lt = doc.indexOf('<', i);
    const text = doc.slice(i, lt < 0 ? doc.length : lt);
    if (text.includes('>') || badAmp.test(text)) return false;
    if (lt < 0) break;
    tag.lastIndex = lt;
    const m = tag.exec(doc);
    if (!m) return false;
    const [, close, name, attrs, selfClosing] = m;
    if (badAmp.test(attrs ?? '')) return false;
    if (close) {
      if (selfClosing || stack.pop() !== name) return false;
    } else if (!selfClosing) stack.push(name!);
    i = tag.lastIndex;
  }
  return stack.length === 0;
}

describe('the well-formedness check itself', () => {
  it('rejects broken documents', () => {
    expect(wellFormed('<svg><g></g><line x="1"/></svg>')).toBe(true);
    expect(wellFormed('<svg><g></svg>')).toBe(false);
    expect(wellFormed('<svg><text>a & b</text></svg>')).toBe(false);
    expect(wellFormed('<svg><text>a < b</text></svg>')).toBe(false);
    expect(wellFormed('<svg aria-label="x & y"></svg>')).toBe(false);
  });
});

describe('renderRocSvg', () => {
  const curves = [
    { label: 'toxic & rude', fpr: [0, 0.1, 1], tpr: [0, 0.9, 1], auc: 0.97312 },
    { label: '<script>', fpr: [0, 0.5, 1], tpr: [0, 0.6, 1], auc: 0.55 },
    { label: 'absent "class"', fpr: [Number.NaN, Number.NaN], tpr: [0, 1], auc: Number.NaN },
  ];
  const svg = renderRocSvg('ROC <dev> & test', curves);

  it('is a standalone, well-formed SVG with escaped text', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(wellFormed(svg)).toBe(true);
    expect(svg).toContain('toxic &amp; rude (AUC 0.973)');
    expect(svg).toContain('&lt;script&gt; (AUC 0.550)');
    expect(svg).toContain('ROC &lt;dev&gt; &amp; test');
    expect(svg).not.toContain('<script');
    expect(svg).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it('draws one polyline per curve in distinct colours, inside the canvas', () => {
    const polylines = [...svg.matchAll(/<polyline points="([^"]*)"[^>]*stroke="([^"]+)"/g)];
    expect(polylines).toHaveLength(curves.length);
    expect(new Set(polylines.map((m) => m[2])).size).toBe(curves.length);
    const first = polylines[0]![1]!.split(' ').map((p) => p.split(',').map(Number));
    expect(first).toHaveLength(3);
    for (const [x, y] of first) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(480);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(y).toBeLessThanOrEqual(400);
    }
    // (0,0) is bottom-left and (1,1) top-right.
    expect(first[0]![1]).toBeGreaterThan(first[2]![1]!);
    expect(first[0]![0]).toBeLessThan(first[2]![0]!);
    expect(polylines[2]![1]).toBe('');
  });

  it('has a dashed chance diagonal and ticks from 0 to 1', () => {
    expect(svg).toMatch(/<line [^>]*stroke-dasharray/);
    for (const t of ['0.0', '0.2', '0.4', '0.6', '0.8', '1.0']) expect(svg).toContain(`>${t}</text>`);
  });
});

describe('binaryLabelReport', () => {
  let seed = 9;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const labels = Array.from({ length: 3000 }, () => (next() < 0.2 ? 1 : 0));
  const scores = labels.map((y) => Math.min(1, next() * 0.7 + y * 0.3));

  it('assembles every metric and thins the ROC', () => {
    const r = binaryLabelReport('insult', scores, labels);
    const best = bestF1Threshold(scores, labels);
    expect(r).toMatchObject({
      label: 'insult',
      support: 3000,
      positives: labels.filter((y) => y === 1).length,
      rocAuc: rocAuc(scores, labels),
      averagePrecision: averagePrecision(scores, labels),
      ece: expectedCalibrationError(scores, labels),
      threshold: best.threshold,
      f1: best.f1,
    });
    expect(r.roc.fpr.length).toBeLessThanOrEqual(200);
    expect(r.roc.tpr).toHaveLength(r.roc.fpr.length);
    expect([r.roc.fpr[0], r.roc.tpr[0], r.roc.fpr.at(-1), r.roc.tpr.at(-1)]).toEqual([0, 0, 1, 1]);
  });

  it('uses a given threshold', () => {
    const r = binaryLabelReport('insult', scores, labels, 0.5);
    expect(r).toMatchObject(metricsAtThreshold(scores, labels, 0.5));
  });
});

describe('renderMarkdown', () => {
  const toxic: DatasetReport = {
    dataset: 'jigsaw-toxic',
    split: 'test',
    rows: 1234,
    binary: [
      {
        label: 'toxic|<ish>',
        support: 1234,
        positives: 120,
        rocAuc: 0.9731,
        averagePrecision: 0.81,
        threshold: 0.42,
        f1: 0.77,
        precision: 0.8,
        recall: 0.74,
        ece: 0.031,
        roc: { fpr: [0, 1], tpr: [0, 1] },
      },
    ],
    multiclass: [
      {
        head: 'sentiment',
        labels: ['neg', 'pos'],
        confusion: [
          [50, 7],
          [3, 40],
        ],
        perClass: [
          { label: 'neg', precision: 0.943, recall: 0.877, f1: 0.909, support: 57 },
          { label: 'pos', precision: 0.851, recall: 0.93, f1: 0.889, support: 43 },
        ],
        macroF1: 0.899,
        weightedF1: 0.9,
        accuracy: 0.9,
      },
    ],
    meanRocAuc: 0.9731,
  };
  const hatecheck: DatasetReport = {
    dataset: 'hatecheck',
    split: 'all',
    rows: 300,
    binary: [],
    multiclass: [],
    functionalities: [
      { functionality: 'slur_reclaimed', cases: 80, accuracy: 0.61, expected: 'non-hateful' },
      { functionality: 'derog_neg_emote_h', cases: 140, accuracy: 0.93, expected: 'hateful' },
      { functionality: 'negate_neg_h', cases: 80, accuracy: 0.12, expected: 'non-hateful' },
    ],
    notes: ['English only'],
  };
  const report: EvaluationReport = {
    model: 'vigil-linear',
    version: '2026.11.1',
    createdAt: '2026-11-21T00:00:00Z',
    command: 'npm run eval',
    datasets: [toxic, hatecheck],
    baselines: [
      { dataset: 'jigsaw-toxic', metric: 'roc_auc', baseline: 0.95, vigil: 0.9731 },
      { dataset: 'hatecheck', metric: 'accuracy', baseline: 0.7, vigil: 0.55 },
      { dataset: 'jigsaw-toxic', metric: 'ece', baseline: 0.05, vigil: 0.031, lowerIsBetter: true },
      { dataset: 'jigsaw-toxic', metric: 'macro_f1', baseline: 0.9, vigil: 0.9 },
    ],
  };
  const md = renderMarkdown(report, {
    rocImage: (d) => (d.dataset === 'jigsaw-toxic' ? 'roc jigsaw.svg' : undefined),
  });
  const rows = md.split('\n').filter((l) => l.startsWith('| '));
  const cells = (line: string) =>
    line
      .slice(2, -2)
      .split(/(?<!\\) \| /)
      .map((c) => c.trim());

  it('has a section per dataset and links only the images it was given', () => {
    expect(md).toContain('## jigsaw-toxic (test, 1234 rows)');
    expect(md).toContain('## hatecheck (all, 300 rows)');
    expect(md.match(/!\[[^\]]*\]\(([^)]*)\)/g)).toEqual(['![ROC curves for jigsaw-toxic](roc%20jigsaw.svg)']);
    expect(md).toContain('- English only');
  });

  it('marks beaten baselines, honouring the metric direction', () => {
    const section = md.slice(md.indexOf('## Baselines'), md.indexOf('## jigsaw-toxic'));
    const beats = Object.fromEntries(
      section
        .split('\n')
        .filter((l) => l.startsWith('| '))
        .map(cells)
        .filter((c) => c[0] !== 'Dataset' && c[0] !== '---')
        .map((c) => [`${c[0]}/${c[1]}`, c[4]]),
    );
    expect(beats).toEqual({
      'jigsaw-toxic/roc_auc': '✓',
      'hatecheck/accuracy': '✗',
      'jigsaw-toxic/ece (lower is better)': '✓',
      'jigsaw-toxic/macro_f1': '✗',
    });
  });

  it('renders the binary table with escaped labels, and the confusion matrix', () => {
    const row = rows.map(cells).find((c) => c[0] === 'toxic\\|&lt;ish>');
    expect(row).toEqual([
      'toxic\\|&lt;ish>',
      '1234',
      '120',
      '0.973',
      '0.810',
      '0.420',
      '0.770',
      '0.800',
      '0.740',
      '0.031',
    ]);
    expect(rows.map(cells)).toContainEqual(['neg', '50', '7']);
    expect(rows.map(cells)).toContainEqual(['pos', '3', '40']);
  });

  it('lists HateCheck functionalities worst first', () => {
    const order = ['negate_neg_h', 'slur_reclaimed', 'derog_neg_emote_h'].map((f) => md.indexOf(`| ${f} |`));
    expect(order.every((pos) => pos > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });
});
