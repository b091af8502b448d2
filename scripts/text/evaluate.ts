/**
 * `npm run evaluate -- <task>`: scores every evaluation set with the committed ONNX model and writes
 * models/<name>/<version>/eval/{report.json, report.md, roc-*.svg}, then updates the card's metrics.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { classificationReport } from '../../shared/ml/metrics.js';
import {
  type Baseline,
  binaryLabelReport,
  type DatasetReport,
  type EvaluationReport,
  type MultiClassReport,
  renderMarkdown,
  renderRocSvg,
} from '../../shared/ml/report.js';
import {
  decide,
  loadTextClassifier,
  type TextClassifier,
  thresholdOf,
} from '../../shared/text/classifier.js';
import { type ModelCard, parseCard } from '../../shared/text/manifest.js';
import { CORPORA, type CorpusName, describeCorpus, type LabelledText, loadCorpus } from './corpora.js';
import { collectMessages } from './mo-corpus.js';
import { DATA_ROOT, modelDir, REPO_ROOT } from './paths.js';
import { type BaselineSpec, type EvaluationSpec, TEXT_TASKS, type TextTaskSpec } from './tasks.js';

const log = (message: string) => process.stderr.write(`${message}\n`);

type Scores = Awaited<ReturnType<TextClassifier['score']>>;

async function scoreAll(classifier: TextClassifier, texts: readonly string[]): Promise<Scores> {
  const out: Scores = [];
  const maxChars = classifier.manifest.limits.maxChars;
  for (let i = 0; i < texts.length; i += 1024) {
    out.push(...(await classifier.score(texts.slice(i, i + 1024).map((t) => t.slice(0, maxChars)))));
  }
  return out;
}

const slug = (s: string) => s.replace(/[^a-z0-9]+/gi, '-').toLowerCase();

async function evaluateSet(classifier: TextClassifier, spec: EvaluationSpec): Promise<DatasetReport> {
  const rows = await loadCorpus(DATA_ROOT, spec.corpus, spec.split);
  const scores = await scoreAll(
    classifier,
    rows.map((r) => r.text),
  );
  const manifest = classifier.manifest;
  const headOf = (name: string) => {
    const head = manifest.heads.find((h) => h.name === name);
    if (!head) throw new Error(`evaluation of ${spec.corpus}/${spec.split} names unknown head "${name}"`);
    return head;
  };
  const language = CORPORA[spec.corpus].lang;
  const report: DatasetReport = {
    dataset: spec.corpus,
    split: spec.split,
    rows: rows.length,
    binary: [],
    multiclass: [],
  };
  for (const b of spec.binary) {
    const head = headOf(b.head);
    const s = scores.map((x) => x[b.head]?.[b.label] as number);
    const y = rows.map((r) => r.targets[b.target] as number);
    const threshold =
      head.activation === 'sigmoid' ? thresholdOf(head, b.label, language) : head.thresholds?.[b.label];
    report.binary.push(binaryLabelReport(b.label, s, y, threshold));
  }
  const aucs = report.binary.map((b) => b.rocAuc).filter((a) => !Number.isNaN(a));
  if (aucs.length > 1) report.meanRocAuc = aucs.reduce((a, b) => a + b, 0) / aucs.length;
  if (spec.multiclass) {
    const head = headOf(spec.multiclass.head);
    const actual = rows.map((r) => r.targets[spec.multiclass!.target] as number);
    const predicted = scores.map((x) => head.labels.indexOf(decide(head, x[head.name] ?? {})[0] as string));
    const r = classificationReport(actual, predicted, head.labels);
    const multiclass: MultiClassReport = { head: head.name, labels: [...head.labels], ...r };
    report.multiclass.push(multiclass);
  }
  if (spec.functionalities) {
    const { head: headName, label } = spec.functionalities;
    const head = headOf(headName);
    const groups = new Map<string, { cases: number; correct: number; positives: number }>();
    rows.forEach((r, i) => {
      const predicted = decide(head, scores[i]?.[headName] ?? {}, language).includes(label) ? 1 : 0;
      const g = groups.get(r.group ?? '?') ?? { cases: 0, correct: 0, positives: 0 };
      g.cases++;
      g.correct += predicted === r.targets[label] ? 1 : 0;
      g.positives += r.targets[label] as number;
      groups.set(r.group ?? '?', g);
    });
    report.functionalities = [...groups].map(([functionality, g]) => ({
      functionality,
      cases: g.cases,
      accuracy: g.correct / g.cases,
      expected: g.positives * 2 >= g.cases ? 'hateful' : 'non-hateful',
    }));
    const total = [...groups.values()].reduce((a, g) => ({ c: a.c + g.correct, n: a.n + g.cases }), {
      c: 0,
      n: 0,
    });
    report.extra = { ...report.extra, accuracy: total.c / total.n };
  }
  if (spec.pairedWith) {
    const { split, head, label } = spec.pairedWith;
    const paired = await loadCorpus(DATA_ROOT, spec.corpus, split);
    const pairedScores = await scoreAll(
      classifier,
      paired.map((r) => r.text),
    );
    const byId = new Map(paired.map((r, i) => [r.id, pairedScores[i]?.[head]?.[label] as number]));
    let gap = 0;
    let absGap = 0;
    let n = 0;
    rows.forEach((r, i) => {
      const other = byId.get(r.id);
      if (other === undefined) return;
      const d = other - (scores[i]?.[head]?.[label] as number);
      gap += d;
      absGap += Math.abs(d);
      n++;
    });
    report.extra = {
      ...report.extra,
      identityFuzzMeanGap: gap / n,
      identityFuzzMeanAbsGap: absGap / n,
      pairs: n,
    };
    report.notes = [
      `Bias probe: the same comments with identity terms swapped (${split}) score ${(gap / n).toFixed(4)} higher on average (mean |gap| ${(absGap / n).toFixed(4)}).`,
    ];
  }
  if (spec.language)
    report.extra = { ...report.extra, ...routing(manifest.heads[0]!, scores, rows, spec.language) };
  return report;
}

function routing(
  head: Parameters<typeof decide>[0],
  scores: Scores,
  rows: readonly Pick<LabelledText, 'text'>[],
  expected: string,
): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of scores) {
    const language = decide(head, s[head.name] ?? {})[0] as string;
    counts[language] = (counts[language] ?? 0) + 1;
  }
  return {
    routedAccuracy: (counts[expected] ?? 0) / rows.length,
    ...Object.fromEntries(Object.entries(counts).map(([k, v]) => [`routed_${k}`, v])),
  };
}

function baselineValue(spec: BaselineSpec, datasets: readonly DatasetReport[]): number {
  const d = datasets.find(
    (x) =>
      x.dataset === spec.corpus && x.split === spec.split && (spec.metric !== 'rocAuc' || x.binary.length),
  );
  const m = datasets.find((x) => x.dataset === spec.corpus && x.split === spec.split && x.multiclass.length)
    ?.multiclass[0];
  switch (spec.metric) {
    case 'meanRocAuc':
      return d?.meanRocAuc ?? Number.NaN;
    case 'rocAuc':
      return d?.binary.find((b) => b.label === spec.label)?.rocAuc ?? Number.NaN;
    case 'weightedF1':
      return m?.weightedF1 ?? Number.NaN;
    case 'macroF1':
      return m?.macroF1 ?? Number.NaN;
    case 'classF1': {
      const fromMulti = m?.perClass.find((c) => c.label === spec.label)?.f1;
      return fromMulti !== undefined && spec.head === m?.head
        ? fromMulti
        : (d?.binary.find((b) => b.label === spec.label)?.f1 ?? Number.NaN);
    }
  }
}

export async function evaluateTask(
  task: TextTaskSpec,
  dir: string,
  options: { command: string },
): Promise<EvaluationReport> {
  const classifier = await loadTextClassifier(dir);
  try {
    const datasets: DatasetReport[] = [];
    for (const spec of task.evaluation) {
      log(`  evaluating ${spec.corpus}/${spec.split}`);
      datasets.push(await evaluateSet(classifier, spec));
    }
    if (task.extraTraining === 'gettext-catalogues') datasets.push(await evaluateHeldOutMessages(classifier));
    const baselines: Baseline[] = task.baselines.map((b) => ({
      dataset: `${b.corpus}/${b.split}`,
      metric: b.label ? `${b.metric} (${b.label})` : b.metric,
      baseline: b.baseline,
      vigil: baselineValue(b, datasets),
    }));
    const report: EvaluationReport = {
      model: task.name,
      version: task.version,
      createdAt: new Date().toISOString(),
      command: options.command,
      datasets,
      baselines,
    };
    const out = path.join(dir, 'eval');
    await rm(out, { recursive: true, force: true });
    await mkdir(out, { recursive: true });
    const images = new Map<DatasetReport, string>();
    for (const d of datasets) {
      if (d.binary.length === 0) continue;
      const file = `roc-${slug(d.dataset)}-${slug(d.split)}.svg`;
      const curves = d.binary
        .filter((b) => !Number.isNaN(b.rocAuc))
        .map((b) => ({ label: b.label, fpr: b.roc.fpr, tpr: b.roc.tpr, auc: b.rocAuc }));
      await writeFile(path.join(out, file), renderRocSvg(`${d.dataset} / ${d.split}`, curves));
      images.set(d, file);
    }
    await writeFile(path.join(out, 'report.json'), `${JSON.stringify(report, null, 1)}\n`);
    await writeFile(
      path.join(out, 'report.md'),
      `${renderMarkdown(report, { rocImage: (d) => images.get(d) })}\n`,
    );
    await updateCard(dir, task, report);
    for (const b of baselines) {
      log(
        `  ${b.dataset} ${b.metric}: vigil ${b.vigil.toFixed(4)} vs baseline ${b.baseline} ${b.vigil > b.baseline ? 'beats' : 'DOES NOT beat'}`,
      );
    }
    log(`wrote ${path.relative(REPO_ROOT, out)}/report.md`);
    return report;
  } finally {
    await classifier.close();
  }
}

async function evaluateHeldOutMessages(classifier: TextClassifier): Promise<DatasetReport> {
  const { isHeldOutMessage } = await import('./train.js');
  const held = collectMessages().filter(
    (m) => isHeldOutMessage(m.text) && m.lang !== 'en' && m.lang !== 'fr',
  );
  const scores = await scoreAll(
    classifier,
    held.map((m) => m.text),
  );
  return {
    dataset: 'gettext-catalogues (held out, not en/fr)',
    split: 'test',
    rows: held.length,
    binary: [],
    multiclass: [],
    extra: routing(classifier.manifest.heads[0]!, scores, held, 'other'),
  };
}

async function updateCard(dir: string, task: TextTaskSpec, report: EvaluationReport): Promise<void> {
  const file = path.join(dir, 'card.json');
  const card = parseCard(JSON.parse(await readFile(file, 'utf8')), file);
  const evaluation: ModelCard['data']['evaluation'] = [];
  for (const spec of task.evaluation) {
    if (evaluation.some((e) => e.corpus === spec.corpus && e.split === spec.split)) continue;
    const d = await describeCorpus(DATA_ROOT, spec.corpus as CorpusName, spec.split);
    evaluation.push({
      corpus: d.corpus,
      split: d.split,
      file: d.file,
      rows: d.rows,
      sha256: d.sha256,
      provenance: d.describe,
    });
  }
  const metrics = report.datasets.flatMap((d) => [
    ...d.binary.flatMap((b) =>
      (['rocAuc', 'averagePrecision', 'f1', 'precision', 'recall', 'ece'] as const).map((metric) => ({
        dataset: d.dataset,
        split: d.split,
        metric,
        label: b.label,
        value: round(b[metric]),
      })),
    ),
    ...(d.meanRocAuc === undefined
      ? []
      : [{ dataset: d.dataset, split: d.split, metric: 'meanRocAuc', value: round(d.meanRocAuc) }]),
    ...d.multiclass.flatMap((m) => [
      { dataset: d.dataset, split: d.split, metric: 'macroF1', label: m.head, value: round(m.macroF1) },
      { dataset: d.dataset, split: d.split, metric: 'weightedF1', label: m.head, value: round(m.weightedF1) },
      ...m.perClass.map((c) => ({
        dataset: d.dataset,
        split: d.split,
        metric: 'f1',
        label: c.label,
        value: round(c.f1),
      })),
    ]),
    ...Object.entries(d.extra ?? {}).map(([metric, value]) => ({
      dataset: d.dataset,
      split: d.split,
      metric,
      value: round(value),
    })),
  ]);
  const updated = {
    ...card,
    data: { ...card.data, evaluation },
    metrics: metrics.filter((m) => Number.isFinite(m.value)),
    baselines: (report.baselines ?? []).map((b, i) => ({
      ...b,
      vigil: round(b.vigil),
      source: task.baselines[i]?.source ?? '',
    })),
  };
  parseCard(updated, file);
  await writeFile(file, `${JSON.stringify(updated, null, 2)}\n`);
}

const round = (x: number) => Number(x.toFixed(4));

async function main(argv: string[]): Promise<number> {
  const names = argv.filter((a) => !a.startsWith('--'));
  const unknown = names.filter((n) => n !== 'all' && !TEXT_TASKS[n]);
  if (names.length === 0 || unknown.length > 0) {
    console.error(`usage: npm run evaluate -- <${Object.keys(TEXT_TASKS).join('|')}|all>`);
    return 2;
  }
  const selected = names.includes('all')
    ? Object.values(TEXT_TASKS)
    : names.map((n) => TEXT_TASKS[n] as TextTaskSpec);
  for (const task of selected) {
    const dir = modelDir(task.name, task.version);
    await evaluateTask(task, dir, { command: `npm run evaluate -- ${task.name}` });
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
