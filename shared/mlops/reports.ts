/** Human-readable reports of the loop: retraining (Markdown + ROC SVGs) and drift (Markdown + histogram SVGs). */
import { renderRocSvg } from '../ml/report.js';
import type { FeatureDrift, Profile } from './drift.js';
import type { PromotionDecision, SetEvaluation } from './evaluation.js';

interface RetrainReportJson {
  model: string;
  candidate: string;
  champion: string;
  primary: string;
  decision: PromotionDecision;
  candidateMetrics: {
    set: string;
    rows: number;
    labels: Record<string, { rocAuc: number; averagePrecision: number; positives: number }>;
  }[];
  championMetrics: {
    set: string;
    rows: number;
    labels: Record<string, { rocAuc: number; averagePrecision: number; positives: number }>;
  }[];
}

/** Candidate and champion ROC curves of the primary label on one set; null when the set lacks it. */
export function rocSvgFor(
  candidate: SetEvaluation,
  champion: SetEvaluation | undefined,
  primary: string,
  candidateVersion: string,
  championVersion: string,
): string | null {
  const mine = candidate.labels[primary];
  if (!mine) return null;
  const theirs = champion?.labels[primary];
  return renderRocSvg(`${candidate.set}: ${primary}`, [
    { label: `candidate ${candidateVersion}`, fpr: mine.roc.fpr, tpr: mine.roc.tpr, auc: mine.rocAuc },
    ...(theirs
      ? [
          {
            label: `champion ${championVersion}`,
            fpr: theirs.roc.fpr,
            tpr: theirs.roc.tpr,
            auc: theirs.rocAuc,
          },
        ]
      : []),
  ]);
}

export function renderRetrainMarkdown(report: RetrainReportJson, charts: readonly string[]): string {
  const lines = [
    `# Retraining report: ${report.model} ${report.candidate}`,
    '',
    `- champion: ${report.champion}`,
    `- primary metric: ${report.primary} (mean over sets) — candidate ${fmt(report.decision.candidate)}, champion ${fmt(report.decision.champion)}`,
    `- decision: **${report.decision.promote ? 'promoted' : 'not promoted'}** — ${report.decision.reason}`,
    '',
    '| set | rows | label | candidate ROC AUC | champion ROC AUC | Δ |',
    '| --- | ---: | --- | ---: | ---: | ---: |',
  ];
  for (const set of report.candidateMetrics) {
    const champion = report.championMetrics.find((c) => c.set === set.set);
    for (const [label, m] of Object.entries(set.labels)) {
      const c = champion?.labels[label]?.rocAuc;
      lines.push(
        `| ${set.set} | ${set.rows} | ${label} | ${fmt(m.rocAuc)} | ${fmt(c)} | ${c === undefined ? '' : signed(m.rocAuc - c)} |`,
      );
    }
  }
  lines.push('');
  for (const chart of charts) lines.push(`![ROC](${chart})`, '');
  return `${lines.join('\n')}\n`;
}

export interface DriftReportJson {
  model: string;
  version: string;
  createdAt: string;
  source: string;
  severity: string;
  rows: number;
  features: FeatureDrift[];
  baseline: Profile;
  current: Profile;
}

/** Baseline vs current shares per bin, side by side. */
export function renderHistogramSvg(
  title: string,
  labels: readonly string[],
  baseline: readonly number[],
  current: readonly number[],
): string {
  const share = (v: readonly number[]) => {
    const t = v.reduce((a, b) => a + b, 0) || 1;
    return v.map((x) => x / t);
  };
  const [b, c] = [share(baseline), share(current)];
  const [w, h, left, bottom, top] = [520, 260, 40, 40, 30];
  const peak = Math.max(0.01, ...b, ...c);
  const slot = (w - left - 10) / labels.length;
  const bar = (slot - 4) / 2;
  const y = (v: number) => top + (1 - v / peak) * (h - top - bottom);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="${xml(title)}" font-family="sans-serif" font-size="10">`,
    `<title>${xml(title)}</title><rect width="${w}" height="${h}" fill="#fff"/>`,
    `<text x="${left}" y="16" font-size="12">${xml(title)}</text>`,
    `<rect x="${w - 170}" y="8" width="10" height="10" fill="#8fa7c7"/><text x="${w - 156}" y="17">baseline</text>`,
    `<rect x="${w - 100}" y="8" width="10" height="10" fill="#d9822b"/><text x="${w - 86}" y="17">current</text>`,
  ];
  labels.forEach((label, i) => {
    const x = left + i * slot + 2;
    const bv = b[i] as number;
    const cv = c[i] as number;
    parts.push(
      `<rect x="${x.toFixed(1)}" y="${y(bv).toFixed(1)}" width="${bar.toFixed(1)}" height="${(h - bottom - y(bv)).toFixed(1)}" fill="#8fa7c7"/>`,
      `<rect x="${(x + bar).toFixed(1)}" y="${y(cv).toFixed(1)}" width="${bar.toFixed(1)}" height="${(h - bottom - y(cv)).toFixed(1)}" fill="#d9822b"/>`,
      `<text x="${(x + bar).toFixed(1)}" y="${h - bottom + 14}" text-anchor="middle">${xml(label)}</text>`,
    );
  });
  parts.push(`<line x1="${left}" y1="${h - bottom}" x2="${w - 10}" y2="${h - bottom}" stroke="#333"/></svg>`);
  return parts.join('\n');
}

export function renderDriftMarkdown(report: DriftReportJson, charts: readonly string[]): string {
  const lines = [
    `# Drift report: ${report.model} ${report.version}`,
    '',
    `- checked: ${report.createdAt} over ${report.rows} observations (${report.source})`,
    `- result: **${report.severity === 'none' ? 'no drift' : `drift (${report.severity})`}**`,
    '',
    '| feature | PSI | Δ share | KS D | KS p | severity |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...report.features.map(
      (f) =>
        `| ${f.feature} | ${f.psi ?? ''} | ${f.delta === null ? '' : signed(f.delta)} | ${f.ks ? f.ks.statistic : ''} | ${f.ks ? f.ks.pValue.toExponential(2) : ''} | ${f.severity} |`,
    ),
    '',
    `Baseline: ${report.baseline.rows} rows, positive share ${report.baseline.positiveShare}, PII share ${report.baseline.piiShare}, languages ${JSON.stringify(report.baseline.languages)}.`,
    `Current: ${report.current.rows} rows, positive share ${report.current.positiveShare}, PII share ${report.current.piiShare}, languages ${JSON.stringify(report.current.languages)}.`,
    '',
  ];
  for (const chart of charts) lines.push(`![${chart}](${chart})`, '');
  return `${lines.join('\n')}\n`;
}

const fmt = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(4));
const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(4)}`;
const xml = (s: string) => s.replace(/[<>&"]/g, (ch) => `&#${ch.charCodeAt(0)};`);
