/**
 * A drift check of one model: recent stored predictions (or an uploaded batch file scored by the
 * champion) against the champion's baseline; a report (JSON + Markdown + SVG) in the blobs store, a
 * summary in `driftReports`, gauges, and a WARNING/ERROR log entry when drift is found.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Metrics } from '../http/metrics.js';
import type { Logger } from '../logging/logger.js';
import type { BlobStore } from '../ports/blobs.js';
import { COLLECTIONS } from '../ports/collections.js';
import type { DocumentStore } from '../ports/documents.js';
import { redactPii } from '../privacy/redact.js';
import type { TextModelRegistry } from '../text/registry.js';
import type { DriftThresholds } from './config.js';
import {
  type Baseline,
  compareProfiles,
  type DriftSeverity,
  type FeatureDrift,
  LENGTH_EDGES,
  type Observation,
  profileOf,
  SCORE_BINS,
} from './drift.js';
import { setDriftGauges } from './metrics.js';
import { type DriftReportJson, renderDriftMarkdown, renderHistogramSvg } from './reports.js';
import { primaryLabel, primaryThreshold } from './retrain.js';
import { ModelVersionStore } from './versions.js';

export interface DriftSummary {
  model: string;
  version: string;
  createdAt: Date;
  status: DriftSeverity | 'insufficient_data' | 'no_baseline';
  drifted: boolean;
  source: string;
  rows: number;
  features: FeatureDrift[];
  reportLocation: string | null;
}

export interface DriftCheckDeps {
  documents: DocumentStore;
  blobs: BlobStore;
  logger: Logger;
  metrics: Metrics;
  clock: () => Date;
  registry: TextModelRegistry;
  thresholds: DriftThresholds & { windowHours: number; minSamples: number; maxSamples: number };
  syncChampion?: (name: string) => Promise<void>;
}

/** Where the serving functions keep each model's primary probability in a stored prediction. */
export const STORED_SCORE_KEYS: Record<string, { field: string }> = {
  'toxicity-en': { field: 'TOXICITY' },
  'toxicity-fr': { field: 'TOXICITY' },
  'hate-speech': { field: 'hateful' },
};

interface StoredPrediction {
  model: string;
  createdAt: Date;
  language: string | null;
  scores: Record<string, number>;
  text: string | null;
  /** Set by prediction samplers, which keep no text. */
  textLength?: number;
  redactedKinds: string[];
}

const PAGE = 1000;

/** Reads the model's predictions of the last window, oldest first, up to `max` (pages of 1000 by createdAt). */
export async function recentObservations(
  documents: DocumentStore,
  model: string,
  since: Date,
  max: number,
): Promise<Observation[]> {
  const field = STORED_SCORE_KEYS[model]?.field;
  if (!field) return [];
  const predictions = documents.collection<StoredPrediction>(COLLECTIONS.predictions);
  const out: Observation[] = [];
  let after = since;
  let boundary = new Set<string>();
  for (;;) {
    const page = await predictions.query({
      where: [
        { field: 'model', op: '==', value: model },
        { field: 'createdAt', op: '>=', value: after },
      ],
      orderBy: { field: 'createdAt', direction: 'asc' },
      limit: PAGE,
    });
    const fresh = page.filter((d) => !boundary.has(d.id));
    for (const { data } of fresh) {
      const score = data.scores?.[field];
      if (typeof score !== 'number') continue;
      out.push({
        score,
        textLength: data.textLength ?? data.text?.length ?? 0,
        language: data.language,
        piiRedacted: (data.redactedKinds?.length ?? 0) > 0,
      });
      if (out.length >= max) return out;
    }
    if (page.length < PAGE || fresh.length === 0) return out;
    // The next page starts at the last timestamp; documents seen at that instant are skipped.
    const last = page.at(-1)!.data.createdAt;
    const nextBoundary = new Set(
      page.filter((d) => d.data.createdAt.getTime() === last.getTime()).map((d) => d.id),
    );
    if (last.getTime() === after.getTime()) for (const id of boundary) nextBoundary.add(id);
    boundary = nextBoundary;
    after = last;
  }
}

/** Texts of a batch file (CSV with a `text` column, or JSONL objects with `text`), scored by the champion. */
async function batchObservations(
  deps: DriftCheckDeps,
  model: string,
  objectName: string,
  max: number,
): Promise<Observation[]> {
  const blob = await deps.blobs.get(objectName);
  if (!blob) return [];
  const { parseRecords } = await import('../ml/csv.js');
  const body = blob.data.toString('utf8').replace(/^\uFEFF/, '');
  const rows: { text: string; lang: string | null }[] = objectName.toLowerCase().endsWith('.csv')
    ? parseRecords(body).rows.map((r) => ({ text: r.text ?? '', lang: r.lang || null }))
    : body
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => {
          const v = JSON.parse(l) as { text?: unknown; lang?: unknown };
          return {
            text: typeof v.text === 'string' ? v.text : '',
            lang: typeof v.lang === 'string' ? v.lang : null,
          };
        });
  const classifier = await deps.registry.classifier(model);
  const usable = rows
    .filter((r) => r.text.trim() !== '' && r.text.length <= classifier.manifest.limits.maxChars)
    .slice(0, max);
  const [head, label] = primaryLabel(classifier.manifest).split('.') as [string, string];
  const scores = await classifier.score(usable.map((r) => r.text));
  return usable.map((r, i) => ({
    score: scores[i]?.[head]?.[label] ?? 0,
    textLength: r.text.length,
    language: r.lang ?? classifier.manifest.languages[0] ?? null,
    piiRedacted: redactPii(r.text).spans.length > 0,
  }));
}

/** The champion's baseline: its retrain artifact, else `baselines/<name>/<version>.json`, else its folder. */
export async function loadBaseline(
  deps: Pick<DriftCheckDeps, 'documents' | 'blobs' | 'registry'>,
  model: string,
  version: string,
): Promise<Baseline | null> {
  const record = await new ModelVersionStore(deps.documents).get(model, version);
  const candidates = [
    ...(record?.artifact.files['baseline.json'] ? [`${record.artifact.location}/baseline.json`] : []),
    `baselines/${model}/${version}.json`,
  ];
  for (const name of candidates) {
    const blob = await deps.blobs.get(name);
    if (blob) return JSON.parse(blob.data.toString('utf8')) as Baseline;
  }
  const info = (await deps.registry.versions(model)).find((v) => v.version === version);
  if (!info) return null;
  try {
    return JSON.parse(await readFile(join(info.dir, 'baseline.json'), 'utf8')) as Baseline;
  } catch {
    return null;
  }
}

export type DriftSource = { kind: 'predictions' } | { kind: 'batch'; object: string };

const stamp = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');

/**
 * @example
 *   const summary = await runDriftCheck(deps, 'toxicity-en', { kind: 'predictions' });
 *   summary.drifted; // true → a WARNING/ERROR entry with alert="model-drift" was logged
 */
export async function runDriftCheck(
  deps: DriftCheckDeps,
  model: string,
  source: DriftSource,
): Promise<DriftSummary> {
  const now = deps.clock();
  const log = deps.logger.child({ model });
  await deps.syncChampion?.(model);
  const version = await deps.registry.championVersion(model);
  const classifier = await deps.registry.classifier(model, version);
  const baseline = await loadBaseline(deps, model, version);
  const t = deps.thresholds;
  const observations =
    source.kind === 'predictions'
      ? await recentObservations(
          deps.documents,
          model,
          new Date(now.getTime() - t.windowHours * 3_600_000),
          t.maxSamples,
        )
      : await batchObservations(deps, model, source.object, t.maxSamples);
  const sourceText =
    source.kind === 'predictions'
      ? `stored predictions of the last ${t.windowHours} h`
      : `batch file ${source.object}`;
  const summary: DriftSummary = {
    model,
    version,
    createdAt: now,
    status: 'none',
    drifted: false,
    source: sourceText,
    rows: observations.length,
    features: [],
    reportLocation: null,
  };
  if (!baseline) summary.status = 'no_baseline';
  else if (observations.length < t.minSamples) summary.status = 'insufficient_data';
  if (baseline && summary.status === 'none') {
    const current = profileOf(observations, primaryThreshold(classifier.manifest));
    const { features, severity } = compareProfiles(baseline.profile, current, t);
    Object.assign(summary, { features, status: severity, drifted: severity !== 'none' });
    const location = `reports/drift/${model}/${stamp(now)}`;
    const json: DriftReportJson = {
      model,
      version,
      createdAt: now.toISOString(),
      source: sourceText,
      severity,
      rows: observations.length,
      features,
      baseline: baseline.profile,
      current,
    };
    const scoreLabels = Array.from({ length: SCORE_BINS }, (_, i) => (i / SCORE_BINS).toFixed(1));
    const lengthLabels = [...LENGTH_EDGES.map((e) => `<${e}`), `≥${LENGTH_EDGES.at(-1)}`];
    const charts: [string, string][] = [
      [
        'scores.svg',
        renderHistogramSvg(
          `${model} ${baseline.score} score`,
          scoreLabels,
          baseline.profile.scoreBins,
          current.scoreBins,
        ),
      ],
      [
        'text-length.svg',
        renderHistogramSvg(
          `${model} text length`,
          lengthLabels,
          baseline.profile.lengthBins,
          current.lengthBins,
        ),
      ],
    ];
    for (const [file, svg] of charts)
      await deps.blobs.put(`${location}/${file}`, Buffer.from(svg), { contentType: 'image/svg+xml' });
    await deps.blobs.put(`${location}/report.json`, Buffer.from(`${JSON.stringify(json, null, 2)}\n`), {
      contentType: 'application/json',
    });
    await deps.blobs.put(
      `${location}/report.md`,
      Buffer.from(
        renderDriftMarkdown(
          json,
          charts.map(([f]) => f),
        ),
      ),
      { contentType: 'text/markdown' },
    );
    summary.reportLocation = location;
  }
  const reports = deps.documents.collection<DriftSummary>(COLLECTIONS.driftReports);
  await reports.set(`${model}@${stamp(now)}`, summary);
  await reports.set(model, summary);
  setDriftGauges(deps.metrics, summary);
  const fields = {
    alert: summary.drifted ? 'model-drift' : undefined,
    version,
    status: summary.status,
    rows: summary.rows,
    scorePsi: summary.features.find((f) => f.feature === 'score')?.psi ?? null,
    report: summary.reportLocation,
  };
  if (summary.status === 'alert') log.error('model drift detected', fields);
  else if (summary.status === 'warning') log.warn('model drift detected', fields);
  else log.info('drift check done', fields);
  return summary;
}

/** The latest summary of a model (what `GET /drift` shows). */
export function latestDrift(documents: DocumentStore, model: string): Promise<DriftSummary | null> {
  return documents.collection<DriftSummary>(COLLECTIONS.driftReports).get(model);
}
