/** Champion/challenger evaluation: ROC AUC per label per fixed evaluation set, and the promotion rule. */
import { averagePrecision, rocAuc, rocCurve, thinCurve } from '../ml/metrics.js';
import type { TextClassifier } from '../text/classifier.js';
import type { PromotionPolicy } from './config.js';
import type { EvalSet } from './training-data.js';

export interface SetEvaluation {
  set: string;
  rows: number;
  /** `<head>.<label>` → metrics. */
  labels: Record<
    string,
    { rocAuc: number; averagePrecision: number; positives: number; roc: { fpr: number[]; tpr: number[] } }
  >;
}

/** Scores every set with the classifier (in chunks, so progress can be logged between them). */
export async function evaluateClassifier(
  classifier: TextClassifier,
  sets: readonly EvalSet[],
): Promise<SetEvaluation[]> {
  const out: SetEvaluation[] = [];
  const maxChars = classifier.manifest.limits.maxChars;
  for (const set of sets) {
    const examples = set.examples.filter((e) => e.text.length <= maxChars && e.text.trim() !== '');
    const scores = await classifier.score(examples.map((e) => e.text));
    const keys = [...new Set(examples.flatMap((e) => Object.keys(e.truth)))];
    const labels: SetEvaluation['labels'] = {};
    for (const key of keys) {
      const [head, label] = key.split('.') as [string, string];
      const s: number[] = [];
      const y: number[] = [];
      examples.forEach((e, i) => {
        const truth = e.truth[key];
        const p = scores[i]?.[head]?.[label];
        if (truth === undefined || p === undefined) return;
        s.push(p);
        y.push(truth);
      });
      const auc = rocAuc(s, y);
      if (Number.isNaN(auc)) continue;
      const curve = thinCurve(rocCurve(s, y), 200);
      labels[key] = {
        rocAuc: auc,
        averagePrecision: averagePrecision(s, y),
        positives: y.reduce((a, b) => a + b, 0),
        roc: { fpr: [...curve.fpr], tpr: [...curve.tpr] },
      };
    }
    out.push({ set: set.name, rows: examples.length, labels });
  }
  return out;
}

/** Flattens to `<set>` → `rocAuc:<head>.<label>` → value, the shape a version record keeps. */
export function metricsTable(evaluations: readonly SetEvaluation[]): Record<string, Record<string, number>> {
  return Object.fromEntries(
    evaluations.map((e) => [
      e.set,
      Object.fromEntries(
        Object.entries(e.labels).flatMap(([key, m]) => [
          [`rocAuc:${key}`, round(m.rocAuc)],
          [`averagePrecision:${key}`, round(m.averagePrecision)],
        ]),
      ),
    ]),
  );
}

/** The primary metric: mean ROC AUC of the model's primary label over the sets that carry it. */
export function primaryMetric(table: Record<string, Record<string, number>>, key: string): number {
  const values = Object.values(table)
    .map((m) => m[`rocAuc:${key}`])
    .filter((v): v is number => v !== undefined);
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

export interface PromotionDecision {
  promote: boolean;
  reason: string;
  candidate: number;
  champion: number;
  /** `<set> rocAuc:<head>.<label>` that fell more than the tolerance. */
  regressions: string[];
}

/**
 * Promote only if the candidate's primary metric beats the champion's by `margin` and no other ROC AUC
 * falls by more than `tolerance`.
 */
export function decidePromotion(
  candidate: Record<string, Record<string, number>>,
  champion: Record<string, Record<string, number>>,
  primary: string,
  policy: PromotionPolicy,
): PromotionDecision {
  const c = primaryMetric(candidate, primary);
  const h = primaryMetric(champion, primary);
  const regressions: string[] = [];
  for (const [set, metrics] of Object.entries(champion)) {
    for (const [metric, value] of Object.entries(metrics)) {
      if (!metric.startsWith('rocAuc:')) continue;
      const mine = candidate[set]?.[metric];
      if (mine !== undefined && mine < value - policy.tolerance)
        regressions.push(`${set} ${metric} ${round(value)} → ${round(mine)}`);
    }
  }
  const fmt = (x: number) => (Number.isNaN(x) ? 'n/a' : x.toFixed(4));
  if (Number.isNaN(c))
    return {
      promote: false,
      reason: `no evaluation set carries ${primary}`,
      candidate: c,
      champion: h,
      regressions,
    };
  if (!Number.isNaN(h) && c < h + policy.margin)
    return {
      promote: false,
      reason: `primary ${primary} ROC AUC ${fmt(c)} does not beat the champion's ${fmt(h)} by ${policy.margin}`,
      candidate: c,
      champion: h,
      regressions,
    };
  if (regressions.length > 0)
    return {
      promote: false,
      reason: `regressions beyond ${policy.tolerance}: ${regressions.join('; ')}`,
      candidate: c,
      champion: h,
      regressions,
    };
  return {
    promote: true,
    reason: `primary ${primary} ROC AUC ${fmt(c)} vs champion ${fmt(h)} (margin ${policy.margin}), no regression beyond ${policy.tolerance}`,
    candidate: c,
    champion: h,
    regressions,
  };
}

const round = (x: number) => Number(x.toFixed(4));
