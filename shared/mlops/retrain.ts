/**
 * One retraining run: champion recipe + base data + uploaded rows + stored feedback → a candidate, its
 * evaluation against the champion on the fixed sets, artifacts and report in the blobs store, a version
 * record, and a promotion when the rule allows. The record is the run's commit point: created last and
 * atomically, keyed by the run, so a crash leaves no half-registered version and a redelivered request
 * finds its version instead of training again.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../logging/logger.js';
import type { BlobStore } from '../ports/blobs.js';
import { COLLECTIONS } from '../ports/collections.js';
import type { DocumentStore } from '../ports/documents.js';
import { redactPii } from '../privacy/redact.js';
import { CARD_FILE, loadTextClassifier, type TextClassifier, writeModelFolder } from '../text/classifier.js';
import { blockSplit, Featurizer } from '../text/features.js';
import { type ModelCard, parseCard, type TextModelManifest } from '../text/manifest.js';
import type { TextModelRegistry } from '../text/registry.js';
import { type HeadTask, learnIdf, toMatrix, trainLinearModel } from '../text/train.js';
import { publishModelFolder } from './artifacts.js';
import type { PromotionPolicy } from './config.js';
import { type TrainingExample, validateDataset } from './datasets.js';
import { type Baseline, type Observation, profileOf } from './drift.js';
import {
  decidePromotion,
  evaluateClassifier,
  metricsTable,
  type PromotionDecision,
  type SetEvaluation,
} from './evaluation.js';
import { renderRetrainMarkdown, rocSvgFor } from './reports.js';
import { PERMISSIVE_LIMITS, type TrainingData } from './training-data.js';
import { type ModelVersionRecord, ModelVersionStore, nextVersion } from './versions.js';

/** What `on-dataset-upload` publishes and `retrain` consumes. */
export interface RetrainRequest {
  model: string;
  /** The validated upload; null for a retrain on base data and feedback only. */
  upload: { bucket: string; name: string; generation: string } | null;
  requestedBy: string;
}

export interface RetrainDeps {
  blobs: BlobStore;
  documents: DocumentStore;
  logger: Logger;
  clock: () => Date;
  /** Serving registry of this process: the champion to beat, and the versions on disk. */
  registry: TextModelRegistry;
  trainingData: TrainingData;
  promotion: PromotionPolicy;
  /** Makes sure the recorded champion is on disk before it is loaded (see serving.ts). */
  syncChampion?: (name: string) => Promise<void>;
}

export interface RetrainOutcome {
  status: 'promoted' | 'registered' | 'duplicate';
  version: string;
  decision: string;
  reportLocation: string | null;
}

/** Run key: one per (model, uploaded object generation), so a redelivery maps onto the same run. */
export function runKeyOf(request: RetrainRequest): string {
  const what = request.upload
    ? `${request.upload.bucket}/${request.upload.name}#${request.upload.generation}`
    : `feedback:${request.requestedBy}`;
  return createHash('sha256').update(`${request.model}\n${what}`).digest('hex').slice(0, 24);
}

const SIGMOID_EPOCHS = 6;

export async function runRetrain(deps: RetrainDeps, request: RetrainRequest): Promise<RetrainOutcome> {
  const versions = new ModelVersionStore(deps.documents, deps.clock);
  const runKey = runKeyOf(request);
  const log = deps.logger.child({ model: request.model, runKey });
  const existing = await versions.byRunKey(request.model, runKey);
  if (existing) return finishExisting(versions, existing, log);

  const started = performance.now();
  const elapsed = () => Number(((performance.now() - started) / 1000).toFixed(1));
  await deps.syncChampion?.(request.model);
  const championVersion = await deps.registry.championVersion(request.model);
  const champion = await deps.registry.classifier(request.model, championVersion);
  const manifest = champion.manifest;
  const championInfo = (await deps.registry.versions(request.model)).find(
    (v) => v.version === championVersion,
  );
  const card = championInfo ? await readCard(join(championInfo.dir, CARD_FILE)) : null;
  log.info('retrain started', { champion: championVersion, upload: request.upload?.name ?? null });

  // Data: base rows, the uploaded rows, stored feedback.
  const base = await deps.trainingData.base(manifest);
  const upload = request.upload ? await readUpload(deps.blobs, request.upload.name, manifest) : null;
  const feedback = await feedbackExamples(deps.documents, manifest);
  const examples = [...base, ...(upload?.examples ?? []), ...feedback];
  log.info('retrain data loaded', {
    baseRows: base.length,
    uploadRows: upload?.examples.length ?? 0,
    feedbackRows: feedback.length,
    seconds: elapsed(),
  });
  if (examples.length === 0) throw new Error(`no training rows for ${request.model}`);

  // Train with the champion's recipe: features, heads, hyperparameters, thresholds.
  const hyper = recipeOf(card, manifest);
  const featurizer = new Featurizer(manifest.features);
  const docs = examples.map((e, i) => {
    if (i > 0 && i % 20_000 === 0) log.info('retrain featurizing', { done: i, rows: examples.length });
    return featurizer.featurize(e.text);
  });
  const idf = learnIdf(docs, manifest.features.buckets);
  const split = blockSplit(manifest.features);
  const matrix = toMatrix(docs, idf, split);
  const tasks = manifest.heads.map((head) => headTask(head, examples, hyper));
  const model = trainLinearModel(matrix, idf, tasks, {
    blockSplit: split,
    maxIterations: hyper.epochs,
    onProgress: (p) =>
      log.info('retrain progress', {
        head: p.head,
        iteration: p.iteration,
        epochs: hyper.epochs,
        loss: Number(p.loss.toFixed(2)),
        seconds: elapsed(),
      }),
  });
  applyPriorShift(model.bias, manifest, hyper.priorShift);
  const trainSeconds = elapsed();

  const known = [
    ...(await deps.registry.versions(request.model)).map((v) => v.version),
    ...(await versions.list(request.model)).map((r) => r.version),
  ];
  const version = nextVersion(known);
  const work = await mkdtemp(join(os.tmpdir(), `vigil-retrain-${request.model}-`));
  let candidate: TextClassifier | undefined;
  try {
    const dir = join(work, version);
    const dataSha = createHash('sha256');
    for (const e of examples) dataSha.update(e.text).update('\n');
    const createdAt = deps.clock().toISOString();
    await writeModelFolder(dir, {
      model,
      manifest: {
        name: manifest.name,
        version,
        task: manifest.task,
        createdAt,
        languages: manifest.languages,
        inputs: manifest.inputs,
        features: manifest.features,
        heads: manifest.heads,
        limits: manifest.limits,
      },
      card: {
        name: manifest.name,
        version,
        summary: card?.summary ?? `${manifest.name} retrained by the MLOps loop.`,
        intendedUse: card?.intendedUse ?? 'As the champion it was retrained from.',
        data: {
          training: [
            {
              corpus: `${deps.trainingData.describe(manifest.name)} + upload + feedback`,
              split: 'train',
              file: request.upload?.name ?? '(no upload)',
              rows: examples.length,
              sha256: dataSha.digest('hex'),
              provenance: `base ${base.length} rows, upload ${upload?.examples.length ?? 0} rows (${request.upload ? `${request.upload.name}#${request.upload.generation}` : 'none'}), feedback ${feedback.length} rows; sha256 over the texts used`,
            },
          ],
          evaluation: [],
        },
        training: {
          command: `retrain ${request.model} (run ${runKey}, requested by ${request.requestedBy})`,
          seconds: trainSeconds,
          rows: examples.length,
          validationRows: 0,
          hyperparameters: {
            epochs: hyper.epochs,
            heads: hyper.heads,
            priorShift: hyper.priorShift,
            retrainedFrom: championVersion,
          },
          machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}`,
          nodeVersion: process.version,
        },
        metrics: [],
        baselines: [],
        limits: card?.limits ?? ['Retrained with the champion’s thresholds; not re-tuned.'],
        createdAt,
      },
    });

    // Evaluate candidate and champion on the same fixed sets.
    candidate = await loadTextClassifier(dir);
    const sets = await deps.trainingData.evaluation(manifest);
    log.info('retrain evaluating', {
      sets: sets.length,
      rows: sets.reduce((n, s) => n + s.examples.length, 0),
      seconds: elapsed(),
    });
    const candidateEval = await evaluateClassifier(candidate, sets);
    const championEval = await evaluateClassifier(champion, sets);
    const primary = primaryLabel(manifest);
    const candidateTable = metricsTable(candidateEval);
    const decision = decidePromotion(candidateTable, metricsTable(championEval), primary, deps.promotion);

    // The baseline drift checks compare traffic with: the candidate's profile over a training sample.
    const baseline = await computeBaseline(
      candidate,
      examples,
      `${deps.trainingData.describe(manifest.name)} + upload + feedback`,
      deps.clock,
    );
    await writeFile(join(dir, 'baseline.json'), `${JSON.stringify(baseline)}\n`);

    const artifact = await publishModelFolder(deps.blobs, dir, manifest.name, version);
    // Artifacts are per run (a suffix of the prefix), so two racing deliveries never overwrite each other's files.
    const reportLocation = `reports/retrain/${manifest.name}/${version}-${runKey.slice(0, 8)}`;
    await writeReport(deps.blobs, reportLocation, {
      manifest,
      version,
      championVersion,
      decision,
      candidateEval,
      championEval,
      primary,
      request,
      runKey,
    });
    const record: ModelVersionRecord = {
      name: manifest.name,
      version,
      stage: 'candidate',
      createdAt: deps.clock(),
      artifact,
      trainingData: {
        base: deps.trainingData.describe(manifest.name),
        baseRows: base.length,
        upload:
          request.upload && upload
            ? {
                object: request.upload.name,
                generation: request.upload.generation,
                sha256: upload.sha256,
                rows: upload.examples.length,
              }
            : null,
        feedbackRows: feedback.length,
      },
      metrics: candidateTable,
      primaryMetric: `rocAuc:${primary}`,
      runKey,
      reportLocation,
      promotedAt: null,
      promotedBy: null,
      decision: `${decision.promote ? 'promote' : 'keep champion'}: ${decision.reason}`,
    };
    if (!(await versions.register(record))) {
      // Another delivery of the same run, or a run for another upload, took this version number first.
      const raced = await versions.byRunKey(request.model, runKey);
      if (raced) return finishExisting(versions, raced, log);
      throw new Error(
        `version ${manifest.name}@${version} was registered by another run; retrying picks the next one`,
      );
    }
    log.info('candidate registered', { version, decision: record.decision, seconds: elapsed() });
    if (decision.promote) {
      await versions.promote(manifest.name, version, `retrain:${runKey}`);
      log.info('candidate promoted', { version, previous: championVersion });
      return { status: 'promoted', version, decision: record.decision, reportLocation };
    }
    return { status: 'registered', version, decision: record.decision, reportLocation };
  } finally {
    await candidate?.close().catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  }
}

/** A redelivered run: its version exists; finish a promotion a crash may have interrupted. */
async function finishExisting(
  versions: ModelVersionStore,
  record: ModelVersionRecord,
  log: Logger,
): Promise<RetrainOutcome> {
  const wantsPromotion = record.decision.startsWith('promote');
  if (wantsPromotion && record.stage === 'candidate') {
    await versions.promote(record.name, record.version, `retrain:${record.runKey}`);
    log.info('candidate promoted after redelivery', { version: record.version });
  } else log.info('retrain already done; redelivery ignored', { version: record.version });
  return {
    status: 'duplicate',
    version: record.version,
    decision: record.decision,
    reportLocation: record.reportLocation,
  };
}

async function readCard(path: string): Promise<ModelCard | null> {
  try {
    return parseCard(JSON.parse(await readFile(path, 'utf8')), path);
  } catch {
    return null;
  }
}

async function readUpload(blobs: BlobStore, name: string, manifest: TextModelManifest) {
  const blob = await blobs.get(name);
  if (!blob) throw new Error(`uploaded dataset ${name} is gone`);
  const { validation, examples } = validateDataset(blob.data, name, manifest, PERMISSIVE_LIMITS);
  if (validation.problems.some((p) => p.check === 'schema' || p.check === 'format'))
    throw new Error(`uploaded dataset ${name} no longer matches ${manifest.name}`);
  return { examples, sha256: createHash('sha256').update(blob.data).digest('hex') };
}

/** Perspective attribute → Jigsaw label, for the toxicity function's suggested scores. */
const ATTRIBUTE_LABELS: Record<string, string> = {
  TOXICITY: 'toxic',
  SEVERE_TOXICITY: 'severe_toxic',
  PROFANITY: 'obscene',
  THREAT: 'threat',
  INSULT: 'insult',
  IDENTITY_ATTACK: 'identity_hate',
};

interface FeedbackDoc {
  language: string | null;
  suggested: Record<string, number>;
  text: string;
}

/**
 * Suggested scores (`comments:suggestscore`) become rows for a model whose labels they name, in the
 * model's languages; a label the client did not suggest counts as 0. Texts are stored redacted.
 */
async function feedbackExamples(
  documents: DocumentStore,
  manifest: TextModelManifest,
): Promise<TrainingExample[]> {
  const head = manifest.heads.find((h) => h.activation === 'sigmoid');
  if (!head) return [];
  // Only suggested scores: the image classifier's feedback shares the collection.
  const docs = await documents.collection<FeedbackDoc>(COLLECTIONS.feedback).query({
    where: [{ field: 'source', op: '==', value: 'perspective-suggestscore' }],
    limit: 1000,
  });
  const out: TrainingExample[] = [];
  for (const { data } of docs) {
    if (data.language && !manifest.languages.includes(data.language)) continue;
    const byLabel: Record<string, number> = {};
    for (const [attribute, value] of Object.entries(data.suggested ?? {})) {
      const label = ATTRIBUTE_LABELS[attribute] ?? attribute.toLowerCase();
      if (head.labels.includes(label)) byLabel[label] = value >= 0.5 ? 1 : 0;
    }
    if (Object.keys(byLabel).length === 0 || typeof data.text !== 'string' || data.text.trim() === '')
      continue;
    const targets: Record<string, number[] | null> = {};
    for (const h of manifest.heads)
      targets[h.name] = h === head ? h.labels.map((l) => byLabel[l] ?? 0) : null;
    out.push({ text: data.text, lang: data.language, targets });
  }
  return out;
}

interface Recipe {
  epochs: number;
  heads: {
    name: string;
    c: number | number[];
    naiveBayes: boolean | boolean[];
    classWeights: number[] | null;
  }[];
  priorShift: Record<string, number>;
}

/** The champion card's hyperparameters, with defaults for what an older or hand-made card leaves out. */
function recipeOf(card: ModelCard | null, manifest: TextModelManifest): Recipe {
  const h = (card?.training.hyperparameters ?? {}) as Partial<Recipe>;
  const heads = manifest.heads.map((head) => {
    const found = Array.isArray(h.heads) ? h.heads.find((x) => x.name === head.name) : undefined;
    return {
      name: head.name,
      c: found?.c ?? 4,
      naiveBayes: found?.naiveBayes ?? false,
      classWeights: found?.classWeights ?? null,
    };
  });
  return {
    epochs: typeof h.epochs === 'number' ? h.epochs : SIGMOID_EPOCHS,
    heads,
    priorShift: h.priorShift && typeof h.priorShift === 'object' ? h.priorShift : {},
  };
}

function headTask(
  head: TextModelManifest['heads'][number],
  examples: readonly TrainingExample[],
  recipe: Recipe,
): HeadTask {
  const k = head.labels.length;
  const softmax = head.activation === 'softmax';
  const targets = new Float32Array(softmax ? examples.length : examples.length * k).fill(
    softmax ? -1 : Number.NaN,
  );
  examples.forEach((e, i) => {
    const t = e.targets[head.name];
    if (!t) return;
    if (softmax) targets[i] = t[0] as number;
    else targets.set(t, i * k);
  });
  const r = recipe.heads.find((x) => x.name === head.name)!;
  const c = softmax && Array.isArray(r.c) ? (r.c[0] ?? 4) : r.c;
  return {
    name: head.name,
    activation: head.activation,
    labels: head.labels,
    c,
    targets,
    ...(softmax ? { solver: 'one-vs-rest' as const } : { naiveBayes: r.naiveBayes }),
    ...(r.classWeights ? { classWeights: r.classWeights } : {}),
  };
}

/** Re-applies the champion's prior-shift correction (training pool → serving prevalence) per label. */
function applyPriorShift(
  bias: Float32Array,
  manifest: TextModelManifest,
  shift: Record<string, number>,
): void {
  let offset = 0;
  for (const head of manifest.heads) {
    if (head.activation === 'sigmoid')
      head.labels.forEach((label, l) => {
        const s = shift[label];
        if (typeof s === 'number') bias[offset + l] = (bias[offset + l] as number) + s;
      });
    offset += head.labels.length;
  }
}

/** `<head>.<label>` whose probability the promotion rule and the drift checks follow: the first sigmoid label. */
export function primaryLabel(manifest: Pick<TextModelManifest, 'heads'>): string {
  const head = manifest.heads.find((h) => h.activation === 'sigmoid') ?? manifest.heads[0]!;
  return `${head.name}.${head.labels[0]}`;
}

/** Threshold of the primary label (0.5 for a softmax head). */
export function primaryThreshold(manifest: Pick<TextModelManifest, 'heads'>): number {
  const head = manifest.heads.find((h) => h.activation === 'sigmoid');
  return head?.activation === 'sigmoid' ? (head.thresholds[head.labels[0] as string] ?? 0.5) : 0.5;
}

const BASELINE_SAMPLE = 2000;

/** Profiles the classifier's scores and the texts over an evenly spaced sample of `examples`. */
export async function computeBaseline(
  classifier: TextClassifier,
  examples: readonly { text: string; lang: string | null }[],
  source: string,
  clock: () => Date,
): Promise<Baseline> {
  const { manifest } = classifier;
  const step = Math.max(1, Math.floor(examples.length / BASELINE_SAMPLE));
  const sample = examples
    .filter((e, i) => i % step === 0 && e.text.length <= manifest.limits.maxChars)
    .slice(0, BASELINE_SAMPLE);
  const primary = primaryLabel(manifest);
  const [head, label] = primary.split('.') as [string, string];
  const scores = await classifier.score(sample.map((e) => e.text));
  const observations: Observation[] = sample.map((e, i) => ({
    score: scores[i]?.[head]?.[label] ?? 0,
    textLength: e.text.length,
    language: e.lang ?? manifest.languages[0] ?? null,
    piiRedacted: redactPii(e.text).spans.length > 0,
  }));
  return {
    schema: 'vigil.drift-baseline/1',
    model: manifest.name,
    version: manifest.version,
    createdAt: clock().toISOString(),
    score: primary,
    source,
    profile: profileOf(observations, primaryThreshold(manifest)),
  };
}

async function writeReport(
  blobs: BlobStore,
  location: string,
  r: {
    manifest: TextModelManifest;
    version: string;
    championVersion: string;
    decision: PromotionDecision;
    candidateEval: SetEvaluation[];
    championEval: SetEvaluation[];
    primary: string;
    request: RetrainRequest;
    runKey: string;
  },
): Promise<void> {
  const strip = (evals: SetEvaluation[]) =>
    evals.map((e) => ({
      ...e,
      labels: Object.fromEntries(Object.entries(e.labels).map(([k, { roc: _roc, ...m }]) => [k, m])),
    }));
  const json = {
    schema: 'vigil.retrain-report/1',
    model: r.manifest.name,
    candidate: r.version,
    champion: r.championVersion,
    runKey: r.runKey,
    request: r.request,
    primary: `rocAuc:${r.primary}`,
    decision: r.decision,
    candidateMetrics: strip(r.candidateEval),
    championMetrics: strip(r.championEval),
  };
  const charts: string[] = [];
  for (const [i, set] of r.candidateEval.entries()) {
    const svg = rocSvgFor(set, r.championEval[i], r.primary, r.version, r.championVersion);
    if (!svg) continue;
    const file = `roc-${i}.svg`;
    await blobs.put(`${location}/${file}`, Buffer.from(svg), { contentType: 'image/svg+xml' });
    charts.push(file);
  }
  await blobs.put(`${location}/report.json`, Buffer.from(`${JSON.stringify(json, null, 2)}\n`), {
    contentType: 'application/json',
  });
  await blobs.put(`${location}/report.md`, Buffer.from(renderRetrainMarkdown(json, charts)), {
    contentType: 'text/markdown',
  });
}
