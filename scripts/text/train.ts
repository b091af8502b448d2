/**
 * `npm run train -- <task> [--tune]`: trains one text model from ../shared/data and writes
 * models/<name>/<version>/, then evaluates it. `--tune` instead trains on 85% of the training rows,
 * picks thresholds on the other 15% and writes scripts/text/tuning/<task>.json for later runs.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { classificationReport, metricsAtThreshold, rocAuc } from '../../shared/ml/metrics.js';
import { writeModelFolder } from '../../shared/text/classifier.js';
import { blockSplit, Featurizer } from '../../shared/text/features.js';
import { type LinearTextModel, scoreLinear } from '../../shared/text/linear-model.js';
import { type HeadTask, learnIdf, toMatrix, trainLinearModel } from '../../shared/text/train.js';
import { type CorpusName, describeCorpus, type LabelledText, loadCorpus } from './corpora.js';
import { evaluateTask } from './evaluate.js';
import { collectMessages } from './mo-corpus.js';
import { DATA_ROOT, modelDir, REPO_ROOT } from './paths.js';
import { type HeadSpec, TEXT_TASKS, type TextTaskSpec } from './tasks.js';

const TUNING_DIR = path.join(REPO_ROOT, 'scripts/text/tuning');

export interface Tuning {
  task: string;
  command: string;
  createdAt: string;
  validationRows: number;
  thresholds: Record<string, Record<string, number>>;
  /** Per head, per language of the validation rows, when a head serves more than one language. */
  thresholdsByLanguage?: Record<string, Record<string, Record<string, number>>>;
  decisionOffsets: Record<string, Record<string, number>>;
  validation: Record<string, number>;
}

interface SourcedRow {
  row: LabelledText;
  corpus: CorpusName | 'gettext-catalogues';
}

const log = (message: string) => process.stderr.write(`${message}\n`);

/** 15% of rows, chosen by a hash of the text so a text and its duplicates land on the same side. */
export const isValidationText = (text: string) =>
  (createHash('sha1').update(`val:${text}`).digest()[0] as number) < 38;
/** The gettext rows the language identifier never trains on, kept for its "other" evaluation. */
export const isHeldOutMessage = (text: string) =>
  (createHash('sha1').update(`mo:${text}`).digest()[0] as number) < 52;

async function loadTrainingRows(task: TextTaskSpec): Promise<SourcedRow[]> {
  const rows: SourcedRow[] = [];
  for (const corpus of task.training) {
    for (const row of await loadCorpus(DATA_ROOT, corpus, 'train')) rows.push({ row, corpus });
  }
  if (task.extraTraining === 'gettext-catalogues') {
    const messages = collectMessages().filter((m) => !isHeldOutMessage(m.text));
    for (const m of messages) {
      const lang = m.lang === 'en' || m.lang === 'fr' ? m.lang : 'other';
      rows.push({ row: { text: m.text, lang: lang as 'en', targets: {} }, corpus: 'gettext-catalogues' });
    }
    // Languages the model must route are fixed by the head's labels.
    for (const r of rows)
      if (r.corpus === 'gettext-catalogues' && !['en', 'fr'].includes(r.row.lang))
        r.row.lang = 'other' as 'en';
  }
  return rows;
}

function headTask(spec: HeadSpec, rows: readonly SourcedRow[]): HeadTask {
  const k = spec.labels.length;
  const softmax = spec.activation === 'softmax';
  const targets = new Float32Array(softmax ? rows.length : rows.length * k).fill(softmax ? -1 : Number.NaN);
  rows.forEach(({ row, corpus }, i) => {
    const t = spec.targets(row, corpus as CorpusName);
    if (t === null) return;
    if (softmax) targets[i] = t[0] as number;
    else targets.set(t, i * k);
  });
  const { name, activation, labels, c, naiveBayes, classWeights, solver } = spec;
  return {
    name,
    activation,
    labels,
    c,
    targets,
    ...(naiveBayes !== undefined && { naiveBayes }),
    ...(classWeights && { classWeights }),
    ...(solver && { solver }),
  };
}

/** Moves sigmoid biases from the training pool's base rate to the serving one (a prior-shift correction). */
function correctPriors(
  model: LinearTextModel,
  task: TextTaskSpec,
  tasks: readonly HeadTask[],
): Record<string, number> {
  const applied: Record<string, number> = {};
  let offset = 0;
  for (const [h, spec] of task.heads.entries()) {
    const head = tasks[h] as HeadTask;
    const k = spec.labels.length;
    if (spec.servingPrevalence) {
      for (let l = 0; l < k; l++) {
        let positives = 0;
        let labelled = 0;
        for (let i = l; i < head.targets.length; i += k) {
          const y = head.targets[i] as number;
          if (Number.isNaN(y)) continue;
          labelled++;
          positives += y;
        }
        const shift = logit(spec.servingPrevalence[l] as number) - logit(positives / labelled);
        model.bias[offset + l] = (model.bias[offset + l] as number) + shift;
        applied[spec.labels[l] as string] = shift;
      }
    }
    offset += k;
  }
  return applied;
}

const logit = (p: number) => Math.log(p / (1 - p));

/**
 * The threshold maximising F1 on validation rows re-weighted to the serving prevalence, so a pool
 * enriched with positives does not talk the threshold down.
 */
function weightedBestThreshold(scores: number[], labels: number[], prevalence?: number): number {
  const positives = labels.reduce((a, b) => a + b, 0);
  const pool = positives / labels.length;
  const wPos = prevalence === undefined ? 1 : prevalence / pool;
  const wNeg = prevalence === undefined ? 1 : (1 - prevalence) / (1 - pool);
  const order = scores.map((_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number));
  let tp = 0;
  let fp = 0;
  let best = { f1: -1, threshold: 0.5 };
  for (let n = 0; n < order.length; n++) {
    const i = order[n] as number;
    if (labels[i] === 1) tp += wPos;
    else fp += wNeg;
    const next = order[n + 1];
    if (next !== undefined && scores[next] === scores[i]) continue;
    const f1 = (2 * tp) / (2 * tp + fp + (positives * wPos - tp));
    if (f1 > best.f1) best = { f1, threshold: scores[i] as number };
  }
  return best.threshold;
}

/** Offsets added to log-probabilities before argmax, searched on a grid for the best macro F1. */
function tuneOffsets(
  probs: Float64Array[],
  classes: number[],
  labels: readonly string[],
): Record<string, number> {
  const grid = Array.from({ length: 21 }, (_, i) => -1 + i * 0.2);
  const best = { f1: -1, offsets: labels.map(() => 0) };
  const search = (offsets: number[], index: number) => {
    if (index === labels.length - 1) {
      const predicted = probs.map((p) => argmax(Array.from(p, (v, l) => Math.log(v) + (offsets[l] ?? 0))));
      const f1 = classificationReport(classes, predicted, [...labels]).macroF1;
      if (f1 > best.f1) Object.assign(best, { f1, offsets: [...offsets, 0] });
      return;
    }
    for (const g of grid) search([...offsets, g], index + 1);
  };
  search([], 0);
  return Object.fromEntries(labels.map((l, i) => [l, Number((best.offsets[i] as number).toFixed(2))]));
}

const argmax = (values: number[]) =>
  values.reduce((best, v, i) => (v > (values[best] as number) ? i : best), 0);

export async function trainTask(
  task: TextTaskSpec,
  options: { tune: boolean; command: string },
): Promise<void> {
  const started = performance.now();
  const all = await loadTrainingRows(task);
  const rows = options.tune ? all.filter((r) => !isValidationText(r.row.text)) : all;
  const validation = options.tune ? all.filter((r) => isValidationText(r.row.text)) : [];
  log(
    `${task.name}: ${rows.length} training rows${options.tune ? `, ${validation.length} validation rows` : ''}`,
  );
  const featurizer = new Featurizer(task.features);
  const docs = rows.map((r, i) => {
    if (i > 0 && i % 20_000 === 0) log(`  featurized ${i}/${rows.length}`);
    return featurizer.featurize(r.row.text);
  });
  const idf = learnIdf(docs, task.features.buckets);
  const split = blockSplit(task.features);
  const matrix = toMatrix(docs, idf, split);
  log(`  ${matrix.values.length} non-zeros, ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const heads = task.heads.map((spec) => headTask(spec, rows));
  const model = trainLinearModel(matrix, idf, heads, {
    blockSplit: split,
    maxIterations: task.epochs,
    onProgress: (p) =>
      log(
        `  [${p.head}] ${p.iteration}/${task.epochs} loss ${p.loss.toFixed(1)} ${(p.elapsedMs / 1000).toFixed(1)} s ${Math.round(p.rowsPerSecond)} rows/s`,
      ),
  });
  const priorShift = correctPriors(model, task, heads);
  const seconds = (performance.now() - started) / 1000;
  log(`${task.name}: trained in ${seconds.toFixed(1)} s`);

  if (options.tune) {
    await writeTuning(task, model, featurizer, validation, options.command);
    return;
  }
  const tuning = await readTuning(task.name);
  const version = task.version;
  const dir = modelDir(task.name, version);
  const sources = await Promise.all(
    task.training.map((corpus) => describeCorpus(DATA_ROOT, corpus, 'train')),
  );
  await writeModelFolder(dir, {
    model,
    manifest: {
      name: task.name,
      version,
      task: task.summary,
      createdAt: new Date().toISOString(),
      languages: task.languages,
      inputs: {
        indices: { dtype: 'int64', shape: ['batch', 'width'] },
        values: { dtype: 'float32', shape: ['batch', 'width'] },
      },
      features: task.features,
      heads: task.heads.map((h) => {
        const offsets = tuning?.decisionOffsets[h.name];
        return h.activation === 'sigmoid'
          ? {
              name: h.name,
              activation: 'sigmoid' as const,
              labels: [...h.labels],
              thresholds: Object.fromEntries(
                h.labels.map((l) => [l, tuning?.thresholds[h.name]?.[l] ?? 0.5]),
              ),
              ...(tuning?.thresholdsByLanguage?.[h.name] && {
                thresholdsByLanguage: tuning.thresholdsByLanguage[h.name],
              }),
            }
          : {
              name: h.name,
              activation: 'softmax' as const,
              labels: [...h.labels],
              ...(offsets && { decisionOffsets: offsets }),
            };
      }),
      limits: { maxChars: task.maxChars },
    },
    card: {
      name: task.name,
      version,
      summary: task.summary,
      intendedUse: task.intendedUse,
      data: {
        training: [
          ...sources.map((s) => ({
            corpus: s.corpus,
            split: s.split,
            file: s.file,
            rows: s.rows,
            sha256: s.sha256,
            provenance: s.describe,
          })),
          ...(task.extraTraining
            ? [
                {
                  corpus: 'gettext-catalogues',
                  split: 'train',
                  file: '/usr/share/locale/*/LC_MESSAGES/*.mo',
                  rows: rows.filter((r) => r.corpus === 'gettext-catalogues').length,
                  sha256: createHash('sha256')
                    .update(
                      rows
                        .filter((r) => r.corpus === 'gettext-catalogues')
                        .map((r) => r.row.text)
                        .join('\n'),
                    )
                    .digest('hex'),
                  provenance:
                    'Translated UI messages of the Debian packages installed on the training machine (GNU gettext catalogues), up to 400 per language; the sha256 is over the texts used.',
                },
              ]
            : []),
        ],
        evaluation: [],
      },
      training: {
        command: options.command,
        seconds: Number(seconds.toFixed(1)),
        rows: rows.length,
        validationRows: tuning?.validationRows ?? 0,
        hyperparameters: {
          heads: task.heads.map((h) => ({
            name: h.name,
            c: h.c,
            naiveBayes: h.naiveBayes ?? false,
            classWeights: h.classWeights ?? null,
          })),
          epochs: task.epochs,
          priorShift,
          thresholdsFrom: tuning
            ? `scripts/text/tuning/${task.name}.json (${tuning.command})`
            : 'default 0.5 (no tuning file)',
        },
        machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
        nodeVersion: process.version,
      },
      metrics: [],
      baselines: [],
      limits: task.limits,
      createdAt: new Date().toISOString(),
    },
  });
  log(`wrote ${path.relative(REPO_ROOT, dir)}`);
  await evaluateTask(task, dir, { command: `npm run evaluate -- ${task.name}` });
}

async function writeTuning(
  task: TextTaskSpec,
  model: LinearTextModel,
  featurizer: Featurizer,
  validation: readonly SourcedRow[],
  command: string,
): Promise<void> {
  const scored = validation.map((r) => scoreLinear(model, featurizer.featurize(r.row.text)));
  const tuning: Tuning = {
    task: task.name,
    command,
    createdAt: new Date().toISOString(),
    validationRows: validation.length,
    thresholds: {},
    decisionOffsets: {},
    validation: {},
  };
  for (const spec of task.heads) {
    const picked = validation.flatMap((r, i) => {
      const t = spec.targets(r.row, r.corpus as CorpusName);
      return t === null
        ? []
        : [
            {
              t,
              corpus: r.corpus,
              lang: r.row.lang as string,
              p: (scored[i] as Record<string, Float64Array>)[spec.name] as Float64Array,
            },
          ];
    });
    if (spec.activation === 'sigmoid') {
      const thresholds: Record<string, number> = {};
      // Rows in a language the model does not serve (English Jigsaw in the French model) teach it,
      // but must not set its operating point.
      const served = picked.filter((x) => task.languages.includes(x.lang));
      spec.labels.forEach((label, l) => {
        const scores = served.map((x) => x.p[l] as number);
        const labels = served.map((x) => x.t[l] as number);
        const threshold = weightedBestThreshold(scores, labels, spec.servingPrevalence?.[l]);
        thresholds[label] = Number(threshold.toFixed(4));
        const at = metricsAtThreshold(scores, labels, threshold);
        tuning.validation[`${spec.name}.${label}.f1`] = Number(at.f1.toFixed(4));
        // Per source as well: one pooled figure can hide a language or a corpus the head fails.
        for (const corpus of new Set(validation.map((r) => r.corpus))) {
          const mine = picked.filter((x) => x.corpus === corpus);
          const auc = rocAuc(
            mine.map((x) => x.p[l] as number),
            mine.map((x) => x.t[l] as number),
          );
          if (!Number.isNaN(auc))
            tuning.validation[`${spec.name}.${label}.rocAuc.${corpus}`] = Number(auc.toFixed(4));
        }
      });
      tuning.thresholds[spec.name] = thresholds;
      const languages = [...new Set(picked.map((x) => x.lang))].filter((l) => task.languages.includes(l));
      if (languages.length > 1) {
        const byLanguage: Record<string, Record<string, number>> = {};
        for (const language of languages) {
          const mine = picked.filter((x) => x.lang === language);
          byLanguage[language] = Object.fromEntries(
            spec.labels.map((label, l) => {
              const scores = mine.map((x) => x.p[l] as number);
              const labels = mine.map((x) => x.t[l] as number);
              const threshold = weightedBestThreshold(scores, labels, spec.servingPrevalence?.[l]);
              const at = metricsAtThreshold(scores, labels, threshold);
              tuning.validation[`${spec.name}.${label}.f1.${language}`] = Number(at.f1.toFixed(4));
              return [label, Number(threshold.toFixed(4))];
            }),
          );
        }
        tuning.thresholdsByLanguage = { ...tuning.thresholdsByLanguage, [spec.name]: byLanguage };
      }
    } else {
      const classes = picked.map((x) => x.t[0] as number);
      const offsets =
        spec.decision === 'argmax'
          ? Object.fromEntries(spec.labels.map((l) => [l, 0]))
          : tuneOffsets(
              picked.map((x) => x.p),
              classes,
              spec.labels,
            );
      if (spec.decision !== 'argmax') tuning.decisionOffsets[spec.name] = offsets;
      const predicted = picked.map((x) =>
        argmax(Array.from(x.p, (v, l) => Math.log(v) + (offsets[spec.labels[l] as string] ?? 0))),
      );
      tuning.validation[`${spec.name}.macroF1`] = Number(
        classificationReport(classes, predicted, [...spec.labels]).macroF1.toFixed(4),
      );
    }
  }
  await mkdir(TUNING_DIR, { recursive: true });
  const file = path.join(TUNING_DIR, `${task.name}.json`);
  await writeFile(file, `${JSON.stringify(tuning, null, 2)}\n`);
  log(`wrote ${path.relative(REPO_ROOT, file)}: ${JSON.stringify(tuning.validation)}`);
}

export async function readTuning(name: string): Promise<Tuning | null> {
  try {
    return JSON.parse(await readFile(path.join(TUNING_DIR, `${name}.json`), 'utf8')) as Tuning;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

async function main(argv: string[]): Promise<number> {
  const names = argv.filter((a) => !a.startsWith('--'));
  const tune = argv.includes('--tune');
  const unknown = names.filter((n) => n !== 'all' && !TEXT_TASKS[n]);
  if (names.length === 0 || unknown.length > 0) {
    console.error(`usage: npm run train -- <${Object.keys(TEXT_TASKS).join('|')}|all> [--tune]`);
    return 2;
  }
  const selected = names.includes('all')
    ? Object.values(TEXT_TASKS)
    : names.map((n) => TEXT_TASKS[n] as TextTaskSpec);
  for (const task of selected) {
    await trainTask(task, { tune, command: `npm run train -- ${task.name}${tune ? ' --tune' : ''}` });
  }
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
