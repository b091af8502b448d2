/**
 * Drift statistics: a baseline profile stored with each trained version (score distribution, predicted
 * label share, text length, language mix, PII-redaction share), the same profile of recent traffic, and
 * their comparison by PSI, a two-sample Kolmogorov–Smirnov test and share deltas. Pure functions.
 */
import type { DriftThresholds } from './config.js';

/** Equal-width score bins on [0, 1]. */
export const SCORE_BINS = 10;
/** Text length bins (UTF-16 code units): upper edges, the last bin is open. */
export const LENGTH_EDGES = [20, 50, 100, 200, 500, 1000, 2000, 5000] as const;
/** Scores kept for the KS test: evenly spaced order statistics, enough for a ±0.02 statistic. */
export const KS_SAMPLE = 2000;
const EPSILON = 1e-4;

/** One observation: a model's primary probability for a text plus what is known about the text. */
export interface Observation {
  score: number;
  textLength: number;
  language: string | null;
  piiRedacted: boolean;
}

export interface Profile {
  rows: number;
  /** Counts per score bin. */
  scoreBins: number[];
  /** Sorted quantile sample of the scores. */
  scoreSample: number[];
  /** Share of observations at or above the decision threshold. */
  positiveShare: number;
  threshold: number;
  lengthBins: number[];
  /** Language → share. */
  languages: Record<string, number>;
  piiShare: number;
}

/** The baseline of a version: its profile over (a sample of) its training data, with where it came from. */
export interface Baseline {
  schema: 'vigil.drift-baseline/1';
  model: string;
  version: string;
  createdAt: string;
  /** `<head>.<label>` whose probability is profiled. */
  score: string;
  source: string;
  profile: Profile;
}

export function profileOf(observations: readonly Observation[], threshold: number): Profile {
  const scoreBins = new Array<number>(SCORE_BINS).fill(0);
  const lengthBins = new Array<number>(LENGTH_EDGES.length + 1).fill(0);
  const languages: Record<string, number> = {};
  const scores = new Float64Array(observations.length);
  let positives = 0;
  let pii = 0;
  observations.forEach((o, i) => {
    const s = Math.min(1, Math.max(0, o.score));
    scores[i] = s;
    scoreBins[Math.min(SCORE_BINS - 1, Math.floor(s * SCORE_BINS))]! += 1;
    if (s >= threshold) positives++;
    if (o.piiRedacted) pii++;
    let b = LENGTH_EDGES.findIndex((edge) => o.textLength < edge);
    if (b < 0) b = LENGTH_EDGES.length;
    lengthBins[b]! += 1;
    const lang = o.language ?? 'unknown';
    languages[lang] = (languages[lang] ?? 0) + 1;
  });
  const n = Math.max(observations.length, 1);
  for (const k of Object.keys(languages)) languages[k] = round((languages[k] as number) / n);
  return {
    rows: observations.length,
    scoreBins,
    scoreSample: quantileSample(scores.sort(), KS_SAMPLE),
    positiveShare: round(positives / n),
    threshold,
    lengthBins,
    languages,
    piiShare: round(pii / n),
  };
}

function quantileSample(sorted: Float64Array, size: number): number[] {
  if (sorted.length <= size) return Array.from(sorted, round6);
  return Array.from({ length: size }, (_, i) =>
    round6(sorted[Math.floor(((i + 0.5) * sorted.length) / size)] as number),
  );
}

/** Population stability index of two histograms (counts or shares), with ε-smoothed empty bins. */
export function psi(expected: readonly number[], actual: readonly number[]): number {
  const e = normalise(expected);
  const a = normalise(actual);
  let sum = 0;
  for (let i = 0; i < e.length; i++) {
    const p = Math.max(e[i] as number, EPSILON);
    const q = Math.max(a[i] as number, EPSILON);
    sum += (q - p) * Math.log(q / p);
  }
  return sum;
}

function normalise(values: readonly number[]): number[] {
  const total = values.reduce((s, v) => s + v, 0);
  return total > 0 ? values.map((v) => v / total) : values.map(() => 0);
}

/** Two-sample KS statistic D and its asymptotic p-value (Kolmogorov distribution, Stephens' correction). */
export function ksTest(a: readonly number[], b: readonly number[]): { statistic: number; pValue: number } {
  if (a.length === 0 || b.length === 0) return { statistic: 0, pValue: 1 };
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i] as number, y[j] as number);
    while (i < x.length && (x[i] as number) <= v) i++;
    while (j < y.length && (y[j] as number) <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  const ne = (x.length * y.length) / (x.length + y.length);
  const lambda = (Math.sqrt(ne) + 0.12 + 0.11 / Math.sqrt(ne)) * d;
  return { statistic: d, pValue: kolmogorovQ(lambda) };
}

function kolmogorovQ(lambda: number): number {
  if (lambda < 1e-3) return 1;
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = 2 * (k % 2 === 1 ? 1 : -1) * Math.exp(-2 * k * k * lambda * lambda);
    sum += term;
    if (Math.abs(term) < 1e-12) break;
  }
  return Math.min(1, Math.max(0, sum));
}

export type DriftSeverity = 'none' | 'warning' | 'alert';

export interface FeatureDrift {
  feature: 'score' | 'predicted_label' | 'text_length' | 'language' | 'pii_share';
  psi: number | null;
  /** Current minus baseline, for share features. */
  delta: number | null;
  ks: { statistic: number; pValue: number } | null;
  severity: DriftSeverity;
}

/** KS alone flags only a visible change: with 10⁵ rows a negligible shift is already "significant". */
export const KS_MIN_STATISTIC = 0.1;

export function compareProfiles(
  baseline: Profile,
  current: Profile,
  thresholds: DriftThresholds,
): { features: FeatureDrift[]; severity: DriftSeverity } {
  const byPsi = (value: number): DriftSeverity =>
    value >= thresholds.psiAlert ? 'alert' : value >= thresholds.psiWarning ? 'warning' : 'none';
  const byDelta = (value: number): DriftSeverity =>
    Math.abs(value) > thresholds.shareDelta ? 'warning' : 'none';
  const langs = [...new Set([...Object.keys(baseline.languages), ...Object.keys(current.languages)])].sort();

  const ks = ksTest(baseline.scoreSample, current.scoreSample);
  const scorePsi = psi(baseline.scoreBins, current.scoreBins);
  const ksFlag: DriftSeverity =
    ks.pValue < thresholds.ksPValue && ks.statistic >= KS_MIN_STATISTIC ? 'warning' : 'none';
  const labelPsi = psi(
    [baseline.positiveShare, 1 - baseline.positiveShare],
    [current.positiveShare, 1 - current.positiveShare],
  );
  const labelDelta = current.positiveShare - baseline.positiveShare;
  const lengthPsi = psi(baseline.lengthBins, current.lengthBins);
  const languagePsi = psi(
    langs.map((l) => baseline.languages[l] ?? 0),
    langs.map((l) => current.languages[l] ?? 0),
  );
  const piiDelta = current.piiShare - baseline.piiShare;
  const features: FeatureDrift[] = [
    {
      feature: 'score',
      psi: r4(scorePsi),
      delta: null,
      ks: { statistic: r4(ks.statistic), pValue: ks.pValue },
      severity: max(byPsi(scorePsi), ksFlag),
    },
    {
      feature: 'predicted_label',
      psi: r4(labelPsi),
      delta: r4(labelDelta),
      ks: null,
      severity: max(byPsi(labelPsi), byDelta(labelDelta)),
    },
    { feature: 'text_length', psi: r4(lengthPsi), delta: null, ks: null, severity: byPsi(lengthPsi) },
    { feature: 'language', psi: r4(languagePsi), delta: null, ks: null, severity: byPsi(languagePsi) },
    { feature: 'pii_share', psi: null, delta: r4(piiDelta), ks: null, severity: byDelta(piiDelta) },
  ];
  return { features, severity: features.map((f) => f.severity).reduce(max, 'none') };
}

const RANK: Record<DriftSeverity, number> = { none: 0, warning: 1, alert: 2 };
function max(a: DriftSeverity, b: DriftSeverity): DriftSeverity {
  return RANK[b] > RANK[a] ? b : a;
}

const round = (x: number) => Number(x.toFixed(4));
const r4 = round;
const round6 = (x: number) => Number(x.toFixed(6));
