/** Evaluation metrics for classifiers, following scikit-learn's definitions and conventions. */

export interface RocCurve {
  fpr: number[];
  tpr: number[];
  thresholds: number[];
}

export interface PrCurve {
  precision: number[];
  recall: number[];
  thresholds: number[];
}

export interface ClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface ClassificationReport {
  confusion: number[][];
  perClass: ClassMetrics[];
  macroF1: number;
  weightedF1: number;
  accuracy: number;
}

export interface ReliabilityBin {
  lower: number;
  upper: number;
  count: number;
  /** NaN for an empty bin. */
  meanPredicted: number;
  /** NaN for an empty bin. */
  fractionPositive: number;
}

export interface ThresholdMetrics {
  threshold: number;
  f1: number;
  precision: number;
  recall: number;
}

/**
 * Cumulative true/false positive counts at each distinct score, highest first (a sample is positive
 * when its score >= threshold). Positive and negative scores are sorted apart with the native numeric
 * sort, which is far faster than sorting indices with a comparator, then merged.
 */
interface Steps {
  /** Number of distinct scores; the arrays below are only filled up to here. */
  length: number;
  thresholds: Float64Array;
  tps: Float64Array;
  fps: Float64Array;
  positives: number;
  negatives: number;
}

function steps(scores: ArrayLike<number>, labels: ArrayLike<number>): Steps {
  const n = labels.length;
  if (scores.length !== n) throw new RangeError(`${scores.length} scores but ${n} labels`);
  let positives = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    if (y !== 0 && y !== 1) throw new RangeError(`label ${i} is ${y}, expected 0 or 1`);
    positives += y;
  }
  const pos = new Float64Array(positives);
  const neg = new Float64Array(n - positives);
  for (let i = 0, p = 0, q = 0; i < n; i++) {
    const score = scores[i]!;
    if (Number.isNaN(score)) throw new RangeError(`score ${i} is NaN`);
    if (labels[i] === 1) pos[p++] = score;
    else neg[q++] = score;
  }
  pos.sort();
  neg.sort();
  const thresholds = new Float64Array(n);
  const tps = new Float64Array(n);
  const fps = new Float64Array(n);
  let i = pos.length - 1;
  let j = neg.length - 1;
  let tp = 0;
  let fp = 0;
  let k = 0;
  for (; i >= 0 || j >= 0; k++) {
    const t = i < 0 ? neg[j]! : j < 0 ? pos[i]! : Math.max(pos[i]!, neg[j]!);
    for (; i >= 0 && pos[i] === t; i--) tp++;
    for (; j >= 0 && neg[j] === t; j--) fp++;
    thresholds[k] = t;
    tps[k] = tp;
    fps[k] = fp;
  }
  return { length: k, thresholds, tps, fps, positives, negatives: neg.length };
}

/** `[first, ...f(k) for each step]` without materialising intermediate arrays. */
function perStep(s: Steps, first: number, f: (k: number) => number): number[] {
  const out = new Array<number>(s.length + 1);
  out[0] = first;
  for (let k = 0; k < s.length; k++) out[k + 1] = f(k);
  return out;
}

const ratio = (count: number, total: number) => (total === 0 ? Number.NaN : count / total);

/**
 * ROC curve as sklearn's `roc_curve(drop_intermediate=False)`: one point per distinct score plus a
 * leading (0, 0) at threshold +Infinity. A missing class makes its rate NaN throughout.
 */
export function rocCurve(scores: ArrayLike<number>, labels: ArrayLike<number>): RocCurve {
  const s = steps(scores, labels);
  return {
    fpr: perStep(s, ratio(0, s.negatives), (k) => s.fps[k]! / s.negatives),
    tpr: perStep(s, ratio(0, s.positives), (k) => s.tps[k]! / s.positives),
    thresholds: perStep(s, Infinity, (k) => s.thresholds[k]!),
  };
}

/**
 * Area under the ROC curve, which equals the Mann-Whitney statistic: the fraction of
 * (positive, negative) pairs ordered correctly, ties counting one half. NaN when a class is absent.
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const s = steps(scores, labels);
  if (s.positives === 0 || s.negatives === 0) return Number.NaN;
  // Doubled trapezoids stay integers, so the sum is exact up to 2^53.
  let twiceArea = 0;
  for (let k = 0, fp = 0, tp = 0; k < s.length; k++) {
    twiceArea += (s.fps[k]! - fp) * (s.tps[k]! + tp);
    fp = s.fps[k]!;
    tp = s.tps[k]!;
  }
  return twiceArea / (2 * s.positives * s.negatives);
}

/**
 * Precision-recall curve: sklearn's `precision_recall_curve` reversed to run from the highest
 * threshold down, like `rocCurve`, so the anchor point (recall 0, precision 1) gets threshold
 * +Infinity and all three arrays have the same length. Recall is 1 throughout when there are no
 * positives, as in sklearn.
 */
export function prCurve(scores: ArrayLike<number>, labels: ArrayLike<number>): PrCurve {
  const s = steps(scores, labels);
  return {
    precision: perStep(s, 1, (k) => s.tps[k]! / (s.tps[k]! + s.fps[k]!)),
    recall: perStep(s, 0, (k) => (s.positives === 0 ? 1 : s.tps[k]! / s.positives)),
    thresholds: perStep(s, Infinity, (k) => s.thresholds[k]!),
  };
}

/**
 * Average precision, sklearn's `average_precision_score`: Σ (R_n − R_{n−1}) P_n over the distinct
 * thresholds, with no interpolation. NaN when there are no positives (sklearn warns and returns 0 or -0).
 */
export function averagePrecision(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const s = steps(scores, labels);
  if (s.positives === 0) return Number.NaN;
  let sum = 0;
  for (let k = 0, tp = 0; k < s.length; k++) {
    sum += ((s.tps[k]! - tp) * s.tps[k]!) / (s.tps[k]! + s.fps[k]!);
    tp = s.tps[k]!;
  }
  return sum / s.positives;
}

/** Precision, recall and F1 when flagging every sample whose score >= threshold. */
export function metricsAtThreshold(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  threshold: number,
): ThresholdMetrics {
  const s = steps(scores, labels);
  let k = -1;
  while (k + 1 < s.length && s.thresholds[k + 1]! >= threshold) k++;
  return fromCounts(threshold, k < 0 ? 0 : s.tps[k]!, k < 0 ? 0 : s.fps[k]!, s.positives);
}

function fromCounts(threshold: number, tp: number, fp: number, positives: number): ThresholdMetrics {
  const safe = (n: number, d: number) => (d === 0 ? 0 : n / d);
  return {
    threshold,
    f1: safe(2 * tp, tp + fp + positives),
    precision: safe(tp, tp + fp),
    recall: safe(tp, positives),
  };
}

/**
 * The distinct score that, used as a `>=` threshold, maximises F1; the highest such score on ties.
 * Without positives flagging nothing is best, reported as threshold +Infinity with all metrics 0.
 */
export function bestF1Threshold(scores: ArrayLike<number>, labels: ArrayLike<number>): ThresholdMetrics {
  const s = steps(scores, labels);
  let best = -1;
  let bestF1 = 0;
  for (let k = 0; k < s.length; k++) {
    const f1 = (2 * s.tps[k]!) / (s.tps[k]! + s.fps[k]! + s.positives);
    if (f1 > bestF1) [best, bestF1] = [k, f1];
  }
  return best < 0
    ? fromCounts(Infinity, 0, 0, s.positives)
    : fromCounts(s.thresholds[best]!, s.tps[best]!, s.fps[best]!, s.positives);
}

/** Counts with rows = actual class, columns = predicted class. */
export function confusionMatrix(
  actual: ArrayLike<number>,
  predicted: ArrayLike<number>,
  classes: number,
): number[][] {
  if (actual.length !== predicted.length) {
    throw new RangeError(`${actual.length} actual classes but ${predicted.length} predicted`);
  }
  const matrix = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  const check = (c: number | undefined, i: number) => {
    if (!Number.isInteger(c) || c! < 0 || c! >= classes)
      throw new RangeError(`class ${c} at ${i} not in [0, ${classes})`);
    return c!;
  };
  for (let i = 0; i < actual.length; i++) matrix[check(actual[i], i)]![check(predicted[i], i)]!++;
  return matrix;
}

/**
 * Per-class precision/recall/F1 and their averages, as sklearn's `classification_report` with
 * `labels` given: every class counts in the macro average, and any 0/0 is 0.
 */
export function classificationReport(
  actual: ArrayLike<number>,
  predicted: ArrayLike<number>,
  labels: readonly string[],
): ClassificationReport {
  const confusion = confusionMatrix(actual, predicted, labels.length);
  const safe = (n: number, d: number) => (d === 0 ? 0 : n / d);
  let correct = 0;
  const perClass = labels.map((label, c) => {
    const tp = confusion[c]![c]!;
    const support = confusion[c]!.reduce((a, b) => a + b, 0);
    const predictedCount = confusion.reduce((sum, row) => sum + row[c]!, 0);
    correct += tp;
    return {
      label,
      precision: safe(tp, predictedCount),
      recall: safe(tp, support),
      f1: safe(2 * tp, support + predictedCount),
      support,
    };
  });
  const total = actual.length;
  return {
    confusion,
    perClass,
    macroF1: safe(
      perClass.reduce((sum, m) => sum + m.f1, 0),
      perClass.length,
    ),
    weightedF1: safe(
      perClass.reduce((sum, m) => sum + m.f1 * m.support, 0),
      total,
    ),
    accuracy: safe(correct, total),
  };
}

/**
 * Equal-width bins over [0, 1]; each bin holds [lower, upper) except the last, which includes 1 (as
 * sklearn's `calibration_curve`). A probability equal to an edge k/bins always lands in bin k, despite
 * floating-point rounding of p·bins.
 */
export function reliabilityBins(
  probs: ArrayLike<number>,
  labels: ArrayLike<number>,
  bins = 10,
): ReliabilityBin[] {
  if (probs.length !== labels.length)
    throw new RangeError(`${probs.length} probs but ${labels.length} labels`);
  if (!Number.isInteger(bins) || bins < 1)
    throw new RangeError(`bins must be a positive integer, got ${bins}`);
  const count = new Array<number>(bins).fill(0);
  const sumP = new Array<number>(bins).fill(0);
  const sumY = new Array<number>(bins).fill(0);
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i]!;
    const y = labels[i];
    if (!(p >= 0 && p <= 1)) throw new RangeError(`probability ${i} is ${p}, outside [0, 1]`);
    if (y !== 0 && y !== 1) throw new RangeError(`label ${i} is ${y}, expected 0 or 1`);
    let b = Math.min(Math.floor(p * bins), bins - 1);
    if (p < b / bins) b--;
    else if (b + 1 < bins && p >= (b + 1) / bins) b++;
    count[b]!++;
    sumP[b]! += p;
    sumY[b]! += y;
  }
  return count.map((n, b) => ({
    lower: b / bins,
    upper: (b + 1) / bins,
    count: n,
    meanPredicted: ratio(sumP[b]!, n),
    fractionPositive: ratio(sumY[b]!, n),
  }));
}

/** Σ over bins of (bin count / N) · |mean predicted − fraction positive|; NaN for no samples. */
export function expectedCalibrationError(
  probs: ArrayLike<number>,
  labels: ArrayLike<number>,
  bins = 10,
): number {
  if (probs.length === 0) return Number.NaN;
  return (
    reliabilityBins(probs, labels, bins).reduce(
      (sum, b) => (b.count === 0 ? sum : sum + b.count * Math.abs(b.meanPredicted - b.fractionPositive)),
      0,
    ) / probs.length
  );
}

/**
 * Keeps at most `maxPoints` points of a curve whose arrays are parallel, evenly spaced by index and
 * always including both endpoints.
 */
export function thinCurve<K extends string>(
  curve: Record<K, number[]>,
  maxPoints = 200,
): Record<K, number[]> {
  if (!Number.isInteger(maxPoints) || maxPoints < 2)
    throw new RangeError(`maxPoints must be >= 2, got ${maxPoints}`);
  const keys = Object.keys(curve) as K[];
  const n = keys.length === 0 ? 0 : curve[keys[0]!].length;
  if (keys.some((k) => curve[k].length !== n)) throw new RangeError('curve arrays differ in length');
  const out = {} as Record<K, number[]>;
  if (n <= maxPoints) {
    for (const k of keys) out[k] = curve[k].slice();
    return out;
  }
  const picks = Array.from({ length: maxPoints }, (_, m) => Math.round((m * (n - 1)) / (maxPoints - 1)));
  for (const k of keys) out[k] = picks.map((i) => curve[k][i]!);
  return out;
}
