/** Metrics against hand-worked cases, published sklearn outputs and brute-force reimplementations. */
import { describe, expect, it } from 'vitest';
import {
  averagePrecision,
  bestF1Threshold,
  classificationReport,
  confusionMatrix,
  expectedCalibrationError,
  metricsAtThreshold,
  prCurve,
  reliabilityBins,
  rocAuc,
  rocCurve,
  thinCurve,
} from '../../shared/ml/metrics.js';
import { mulberry32 } from '../../shared/ml/random.js';

/** Scores rounded to 2 decimals so ties are frequent; positives score a little higher on average. */
function randomCase(seed: number, n: number, positiveRate = 0.3) {
  const r = mulberry32(seed);
  const labels = Array.from({ length: n }, () => (r() < positiveRate ? 1 : 0));
  const scores = labels.map((y) => Math.round(Math.min(1, r() * 0.8 + y * 0.2) * 100) / 100);
  return { scores, labels };
}

function bruteAuc(scores: number[], labels: number[]): number {
  let good = 0;
  let pairs = 0;
  scores.forEach((sp, i) => {
    if (labels[i] !== 1) return;
    scores.forEach((sn, j) => {
      if (labels[j] !== 0) return;
      pairs++;
      good += sp > sn ? 1 : sp === sn ? 0.5 : 0;
    });
  });
  return good / pairs;
}

/** Counts at threshold t directly from the data: flagged means score >= t. */
function counts(scores: number[], labels: number[], t: number) {
  let tp = 0;
  let fp = 0;
  scores.forEach((s, i) => {
    if (s >= t) labels[i] === 1 ? tp++ : fp++;
  });
  const positives = labels.filter((y) => y === 1).length;
  return { tp, fp, positives, negatives: labels.length - positives };
}

const distinctDesc = (scores: number[]) => [...new Set(scores)].sort((a, b) => b - a);

function bruteAp(scores: number[], labels: number[]): number {
  let ap = 0;
  let prevRecall = 0;
  for (const t of distinctDesc(scores)) {
    const { tp, fp, positives } = counts(scores, labels, t);
    ap += (tp / positives - prevRecall) * (tp / (tp + fp));
    prevRecall = tp / positives;
  }
  return ap;
}

describe('ROC and PR on the sklearn documentation example', () => {
  const scores = [0.1, 0.4, 0.35, 0.8];
  const labels = [0, 0, 1, 1];

  it('matches roc_curve(drop_intermediate=False)', () => {
    expect(rocCurve(scores, labels)).toEqual({
      fpr: [0, 0, 0.5, 0.5, 1],
      tpr: [0, 0.5, 0.5, 1, 1],
      thresholds: [Infinity, 0.8, 0.4, 0.35, 0.1],
    });
  });

  it('has AUC 0.75 and average precision 5/6', () => {
    expect(rocAuc(scores, labels)).toBe(0.75);
    expect(averagePrecision(scores, labels)).toBeCloseTo(5 / 6, 12);
  });

  it('matches precision_recall_curve, reversed and anchored at +Infinity', () => {
    const pr = prCurve(scores, labels);
    expect(pr.thresholds).toEqual([Infinity, 0.8, 0.4, 0.35, 0.1]);
    expect(pr.recall).toEqual([0, 0.5, 0.5, 1, 1]);
    [1, 1, 0.5, 2 / 3, 0.5].forEach((p, k) => {
      expect(pr.precision[k]).toBeCloseTo(p, 12);
    });
  });
});

describe('ties and degenerate inputs', () => {
  it('treats tied scores as one step and counts a tied pair as one half', () => {
    // Pairs (pos, neg): (0.5 vs 0.5) ½, (0.5 vs 0.2) 1, (0.9 vs 0.5) 1, (0.9 vs 0.2) 1 → 3.5 / 4.
    const scores = [0.9, 0.5, 0.5, 0.2];
    const labels = [1, 1, 0, 0];
    expect(rocAuc(scores, labels)).toBe(0.875);
    expect(rocCurve(scores, labels).thresholds).toEqual([Infinity, 0.9, 0.5, 0.2]);
    // Recall steps 0 → ½ at precision 1, then ½ → 1 at precision 2/3.
    expect(averagePrecision(scores, labels)).toBeCloseTo(0.5 + 0.5 * (2 / 3), 12);
  });

  it('gives 0.5 when every score is equal', () => {
    expect(rocAuc([0.3, 0.3, 0.3], [1, 0, 1])).toBe(0.5);
  });

  it('is NaN without one of the classes', () => {
    expect(rocAuc([0.1, 0.2], [1, 1])).toBeNaN();
    expect(rocAuc([0.1, 0.2], [0, 0])).toBeNaN();
    expect(averagePrecision([0.1, 0.2], [0, 0])).toBeNaN();
    expect(averagePrecision([0.1, 0.2], [1, 1])).toBe(1);
    expect(rocCurve([0.1, 0.2], [0, 0]).tpr.every(Number.isNaN)).toBe(true);
  });

  it('rejects mismatched lengths, non-binary labels and NaN scores', () => {
    expect(() => rocAuc([0.1], [1, 0])).toThrow(RangeError);
    expect(() => rocAuc([0.1, 0.2], [1, 2])).toThrow(/expected 0 or 1/);
    expect(() => rocAuc([Number.NaN, 0.2], [1, 0])).toThrow(/NaN/);
  });
});

describe('against brute force on random data with ties', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const { scores, labels } = randomCase(seed, 300 + seed * 37, 0.1 + seed * 0.08);

    it(`seed ${seed}: AUC is the fraction of correctly ordered pairs`, () => {
      expect(rocAuc(scores, labels)).toBeCloseTo(bruteAuc(scores, labels), 12);
    });

    it(`seed ${seed}: ROC points and AP match direct counting`, () => {
      const roc = rocCurve(scores, labels);
      const ts = distinctDesc(scores);
      expect(roc.thresholds.slice(1)).toEqual(ts);
      ts.forEach((t, k) => {
        const c = counts(scores, labels, t);
        expect(roc.fpr[k + 1]).toBeCloseTo(c.fp / c.negatives, 12);
        expect(roc.tpr[k + 1]).toBeCloseTo(c.tp / c.positives, 12);
      });
      expect(averagePrecision(scores, labels)).toBeCloseTo(bruteAp(scores, labels), 12);
    });

    it(`seed ${seed}: best F1 threshold beats every distinct score`, () => {
      const best = bestF1Threshold(scores, labels);
      let bestF1 = 0;
      let bestT = Infinity;
      for (const t of distinctDesc(scores)) {
        const { tp, fp, positives } = counts(scores, labels, t);
        const f1 = (2 * tp) / (2 * tp + fp + (positives - tp));
        if (f1 > bestF1) [bestF1, bestT] = [f1, t];
      }
      expect(best.threshold).toBe(bestT);
      expect(best.f1).toBeCloseTo(bestF1, 12);
      const at = counts(scores, labels, bestT);
      expect(best.precision).toBeCloseTo(at.tp / (at.tp + at.fp), 12);
      expect(best.recall).toBeCloseTo(at.tp / at.positives, 12);
    });
  }

  it('computes AUC on 10^5 scores (its speed is a benchmark, not a test)', () => {
    const { scores, labels } = randomCase(42, 100_000);
    const probs = Float64Array.from(scores, (s, i) => s + i * 1e-9);
    const y = Uint8Array.from(labels);
    const auc = rocAuc(probs, y);
    expect(auc).toBeGreaterThan(0.5);
    expect(auc).toBeLessThan(1);
  });
});

describe('bestF1Threshold and metricsAtThreshold by hand', () => {
  // Descending: 0.9(1) 0.8(0) 0.7(1) 0.6(1) 0.2(0); 3 positives.
  // t=0.9: F1 2/(2+0+3)=0.4; t=0.8: 2/5=0.4; t=0.7: 4/(3+3)=2/3; t=0.6: 6/(4+3)=6/7; t=0.2: 6/(5+3)=0.75.
  const scores = [0.2, 0.6, 0.7, 0.8, 0.9];
  const labels = [0, 1, 1, 0, 1];

  it('picks 0.6 with F1 6/7', () => {
    const best = bestF1Threshold(scores, labels);
    expect(best.threshold).toBe(0.6);
    expect(best.f1).toBeCloseTo(6 / 7, 12);
    expect(best.precision).toBe(0.75);
    expect(best.recall).toBe(1);
  });

  it('evaluates an arbitrary threshold between scores', () => {
    const m = metricsAtThreshold(scores, labels, 0.75);
    expect(m).toEqual({ threshold: 0.75, f1: 0.4, precision: 0.5, recall: 1 / 3 });
    expect(metricsAtThreshold(scores, labels, 0.95)).toEqual({
      threshold: 0.95,
      f1: 0,
      precision: 0,
      recall: 0,
    });
  });

  it('flags nothing when there are no positives', () => {
    expect(bestF1Threshold([0.1, 0.5], [0, 0])).toEqual({
      threshold: Infinity,
      f1: 0,
      precision: 0,
      recall: 0,
    });
  });
});

describe('confusion matrix and classification report', () => {
  const labels = ['a', 'b', 'c', 'd'];
  const actual = [0, 0, 0, 1, 1, 2, 2, 2, 2];
  const predicted = [0, 1, 1, 1, 2, 2, 2, 0, 2];

  it('puts actual classes in rows', () => {
    expect(confusionMatrix(actual, predicted, 4)).toEqual([
      [1, 2, 0, 0],
      [0, 1, 1, 0],
      [1, 0, 3, 0],
      [0, 0, 0, 0],
    ]);
    expect(() => confusionMatrix([0, 3], [0, 1], 3)).toThrow(RangeError);
    expect(() => confusionMatrix([0, 1.5], [0, 1], 3)).toThrow(RangeError);
  });

  it('matches the hand-worked per-class and averaged scores', () => {
    const r = classificationReport(actual, predicted, labels);
    const expected = [
      // a: tp 1, predicted 2, support 3; b: tp 1, predicted 3, support 2; c: tp 3 of 4 both ways; d: empty → 0.
      { label: 'a', precision: 1 / 2, recall: 1 / 3, f1: 0.4, support: 3 },
      { label: 'b', precision: 1 / 3, recall: 1 / 2, f1: 0.4, support: 2 },
      { label: 'c', precision: 3 / 4, recall: 3 / 4, f1: 0.75, support: 4 },
      { label: 'd', precision: 0, recall: 0, f1: 0, support: 0 },
    ];
    expected.forEach((e, i) => {
      const got = r.perClass[i]!;
      expect(got.label).toBe(e.label);
      expect(got.support).toBe(e.support);
      for (const key of ['precision', 'recall', 'f1'] as const) expect(got[key]).toBeCloseTo(e[key], 12);
    });
    expect(r.macroF1).toBeCloseTo((0.4 + 0.4 + 0.75 + 0) / 4, 12);
    expect(r.weightedF1).toBeCloseTo((0.4 * 3 + 0.4 * 2 + 0.75 * 4) / 9, 12);
    expect(r.accuracy).toBeCloseTo(5 / 9, 12);
  });

  it('is all zeros for no samples', () => {
    const r = classificationReport([], [], ['x', 'y']);
    expect([r.macroF1, r.weightedF1, r.accuracy]).toEqual([0, 0, 0]);
  });
});

describe('calibration', () => {
  it('computes ECE on a hand case', () => {
    // Bin 0: p̄ .05, y̅ 0 → .05; bin 1: p̄ .15, y̅ .5 → .35; bin 9: p̄ .95, y̅ 2/3 → .28333.
    // ECE = (1·.05 + 2·.35 + 3·.28333) / 6 = 1.6 / 6.
    const probs = [0.05, 0.15, 0.15, 0.95, 0.95, 0.95];
    const labels = [0, 0, 1, 1, 1, 0];
    expect(expectedCalibrationError(probs, labels)).toBeCloseTo(1.6 / 6, 12);
    const bins = reliabilityBins(probs, labels);
    expect(bins.map((b) => b.count)).toEqual([1, 2, 0, 0, 0, 0, 0, 0, 0, 3]);
    expect(bins[1]).toMatchObject({ lower: 0.1, upper: 0.2, meanPredicted: 0.15, fractionPositive: 0.5 });
    expect(bins[2]!.meanPredicted).toBeNaN();
  });

  it('is 0 for perfectly calibrated bins and 1 for confidently wrong ones', () => {
    expect(expectedCalibrationError([0.25, 0.25, 0.25, 0.25], [1, 0, 0, 0])).toBeCloseTo(0, 12);
    expect(expectedCalibrationError([0, 1], [1, 0])).toBe(1);
  });

  it('puts each edge k/bins in bin k and 1 in the last bin', () => {
    for (const n of [3, 5, 10, 22, 23, 43]) {
      const edges = Array.from({ length: n + 1 }, (_, k) => k / n);
      const bins = reliabilityBins(
        edges,
        edges.map(() => 0),
        n,
      );
      expect(bins.map((b) => b.count)).toEqual([...Array(n - 1).fill(1), 2]);
    }
    expect(() => reliabilityBins([1.2], [1])).toThrow(RangeError);
  });
});

describe('thinCurve', () => {
  it('keeps both endpoints, evenly spaced picks and parallel arrays', () => {
    const x = Array.from({ length: 1001 }, (_, i) => i);
    const thin = thinCurve({ x, y: x.map((v) => v * 2) }, 11);
    expect(thin.x).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    expect(thin.y).toEqual(thin.x.map((v) => v * 2));
    expect(thinCurve(rocCurve([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 2).fpr).toEqual([0, 1]);
  });

  it('copies short curves unchanged and rejects ragged ones', () => {
    expect(thinCurve({ a: [1, 2] })).toEqual({ a: [1, 2] });
    expect(() => thinCurve({ a: [1, 2], b: [1] })).toThrow(RangeError);
    const big = randomCase(7, 5000);
    expect(thinCurve(rocCurve(big.scores, big.labels)).tpr.length).toBeLessThanOrEqual(200);
  });
});
