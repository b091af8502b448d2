/**
 * `npm run train:image -- [--version 1.0.0]`: trains the cats-vs-dogs head on MobileNetV2 features.
 *
 * 1. Embeds every image of ../shared/data/cats-vs-dogs/{train,test} once (features and ImageNet logits).
 * 2. Measures the question the design asked: do pooled features beat the 1,000 logits as a linear
 *    probe? Each is tuned by 5-fold cross-validation on train only, then scored once on test.
 * 3. Calibrates the "unknown" gate on train (ImageNet mass on cat and dog classes) and reports how it
 *    behaves on test and on two sets without pets (faces, mixed web images).
 * 4. Writes models/cats-vs-dogs/<version>/ (model.onnx, manifest.json, card.json, eval/).
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { classificationReport, rocAuc, rocCurve, thinCurve } from '../../shared/ml/metrics.js';
import { mulberry32 } from '../../shared/ml/random.js';
import { renderRocSvg } from '../../shared/ml/report.js';
import { loadPlatformConfig } from '../../shared/runtime/config.js';
import { ModelCardSchema } from '../../shared/text/manifest.js';
import { type Backbone, loadBackbone } from '../../shared/vision/backbone.js';
import { backboneSpec, sha256Hex } from '../../shared/vision/backbones.js';
import { embed } from '../../shared/vision/classifier.js';
import { decodeForModel } from '../../shared/vision/decode.js';
import {
  classMass,
  type DenseHead,
  exportDenseHead,
  type ImageHeadManifest,
  ImageHeadManifestSchema,
  scoreDenseHead,
  trainDenseHead,
} from '../../shared/vision/head.js';
import { DATA_ROOT, modelDir, REPO_ROOT } from '../text/paths.js';

const { values } = parseArgs({ options: { version: { type: 'string', default: '1.0.0' } } });
const NAME = 'cats-vs-dogs';
const LABELS = ['cat', 'dog'] as const;
// ImageNet-1k indices: 151–268 are dog breeds, 281–285 domestic cats (tabby … Egyptian cat).
const IMAGENET_CLASSES: Record<string, [number, number][]> = { cat: [[281, 285]], dog: [[151, 268]] };
const C_GRID = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1];
const GATE_QUANTILE = 0.01; // at most 1% of training pets may fall below the mass threshold
const MIN_CONFIDENCE = 0.6;

const config = loadPlatformConfig({ ...process.env, VIGIL_MODELS_DIR: path.join(REPO_ROOT, 'models') });
const spec = await backboneSpec(config.modelsDir, 'mobilenetv2-12-int8');
const backbone = await loadBackbone(path.resolve(REPO_ROOT, config.modelCacheDir), spec);
const limits = { maxBytes: 50 * 2 ** 20, maxPixels: 100_000_000 };

interface Embedded {
  files: string[];
  targets: Int32Array;
  features: Float32Array;
  logits: Float32Array;
}

async function listImages(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names
    .filter((n) => /\.(jpe?g|png|webp)$/i.test(n))
    .sort()
    .map((n) => path.join(dir, n));
}

async function embedFiles(what: string, files: string[], targets: number[], b: Backbone): Promise<Embedded> {
  const d = b.featureDimension;
  const features = new Float32Array(files.length * d);
  const logits = new Float32Array(files.length * b.classes);
  const started = performance.now();
  for (let start = 0; start < files.length; start += 16) {
    const chunk = files.slice(start, start + 16);
    const images = await Promise.all(
      chunk.map(async (f) => decodeForModel(await readFile(f), limits, b.spec.preprocess)),
    );
    const out = await embed(b, images);
    features.set(out.features, start * d);
    logits.set(out.logits, start * b.classes);
    if ((start / 16) % 10 === 0 || start + 16 >= files.length)
      process.stdout.write(`\r  ${what}: ${Math.min(start + 16, files.length)}/${files.length} images`);
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(` in ${seconds.toFixed(1)} s (${((seconds * 1000) / files.length).toFixed(1)} ms/image)`);
  return { files, targets: Int32Array.from(targets), features, logits };
}

async function labelledSplit(split: 'train' | 'test'): Promise<Embedded> {
  const files: string[] = [];
  const targets: number[] = [];
  for (const [t, label] of LABELS.entries()) {
    const found = await listImages(path.join(DATA_ROOT, NAME, split, label));
    files.push(...found);
    targets.push(...found.map(() => t));
  }
  if (files.length === 0) throw new Error(`no images under ${path.join(DATA_ROOT, NAME, split)}`);
  return embedFiles(`${NAME}/${split}`, files, targets, backbone);
}

function rows(x: Float32Array, dim: number, idx: readonly number[]): Float32Array {
  const out = new Float32Array(idx.length * dim);
  for (const [i, r] of idx.entries()) out.set(x.subarray(r * dim, (r + 1) * dim), i * dim);
  return out;
}

function accuracy(head: DenseHead, x: Float32Array, targets: Int32Array): number {
  const p = scoreDenseHead(head, x, targets.length);
  let right = 0;
  for (let i = 0; i < targets.length; i++)
    if ((p[i * 2 + 1] as number) >= 0.5 === (targets[i] === 1)) right++;
  return right / targets.length;
}

/** 5-fold CV accuracy per C on train; returns the best C (smallest among ties). */
function tuneC(x: Float32Array, dim: number, targets: Int32Array): { c: number; cv: Record<string, number> } {
  const random = mulberry32(7);
  const order = [...targets.keys()];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const cv: Record<string, number> = {};
  let best = { c: C_GRID[0] as number, acc: -1 };
  for (const c of C_GRID) {
    let sum = 0;
    for (let fold = 0; fold < 5; fold++) {
      const test = order.filter((_, i) => i % 5 === fold);
      const train = order.filter((_, i) => i % 5 !== fold);
      const head = trainDenseHead(
        rows(x, dim, train),
        Int32Array.from(train, (r) => targets[r] as number),
        dim,
        LABELS,
        c,
      );
      sum += accuracy(
        head,
        rows(x, dim, test),
        Int32Array.from(test, (r) => targets[r] as number),
      );
    }
    cv[String(c)] = sum / 5;
    if (sum / 5 > best.acc + 1e-9) best = { c, acc: sum / 5 };
  }
  return { c: best.c, cv };
}

console.log(`backbone ${spec.name} (${backbone.featureDimension}-d features, ${backbone.classes} logits)`);
const train = await labelledSplit('train');
const test = await labelledSplit('test');

const probes: Record<
  string,
  { c: number; cv: Record<string, number>; testAccuracy: number; testAuc: number }
> = {};
let chosen: DenseHead | undefined;
let chosenC = 0;
const trainStarted = performance.now();
for (const [kind, dim, trainX, testX] of [
  ['features', backbone.featureDimension, train.features, test.features],
  ['logits', backbone.classes, train.logits, test.logits],
] as const) {
  const { c, cv } = tuneC(trainX, dim, train.targets);
  const head = trainDenseHead(trainX, train.targets, dim, LABELS, c);
  const p = scoreDenseHead(head, testX, test.targets.length);
  const dog = Array.from(test.targets, (_, i) => p[i * 2 + 1] as number);
  probes[kind] = {
    c,
    cv,
    testAccuracy: accuracy(head, testX, test.targets),
    testAuc: rocAuc(dog, test.targets),
  };
  console.log(
    `  probe on ${kind}: C=${c} cv=${cv[String(c)]?.toFixed(4)} test accuracy=${probes[kind].testAccuracy.toFixed(4)}`,
  );
  if (kind === 'features') {
    chosen = head;
    chosenC = c;
  }
}
const trainSeconds = (performance.now() - trainStarted) / 1000;
if (!chosen) throw new Error('no head trained');
const head = chosen;

// The unknown gate, calibrated on train only.
const ranges = Object.values(IMAGENET_CLASSES).flat();
const massOf = (e: Embedded) =>
  e.files.map((_, i) =>
    classMass(e.logits.subarray(i * backbone.classes, (i + 1) * backbone.classes), ranges),
  );
const trainMass = massOf(train).sort((a, b) => a - b);
const minMass = Number((trainMass[Math.floor(GATE_QUANTILE * trainMass.length)] as number).toFixed(4));

const testProbs = scoreDenseHead(head, test.features, test.targets.length);
const testMass = massOf(test);
const unknownIn = (mass: number[], probs: Float64Array) =>
  mass.filter(
    (m, i) => m < minMass || Math.max(probs[i * 2] as number, probs[i * 2 + 1] as number) < MIN_CONFIDENCE,
  ).length / mass.length;
const predicted = Array.from(test.targets, (_, i) => ((testProbs[i * 2 + 1] as number) >= 0.5 ? 1 : 0));
const report = classificationReport(test.targets, predicted, LABELS);
const dogScores = Array.from(test.targets, (_, i) => testProbs[i * 2 + 1] as number);
const auc = rocAuc(dogScores, test.targets);
// Accuracy among the test images the gate lets through.
let kept = 0;
let keptRight = 0;
for (let i = 0; i < test.targets.length; i++) {
  const conf = Math.max(testProbs[i * 2] as number, testProbs[i * 2 + 1] as number);
  if ((testMass[i] as number) < minMass || conf < MIN_CONFIDENCE) continue;
  kept++;
  if (predicted[i] === test.targets[i]) keptRight++;
}

const outOfDomain: Record<string, { images: number; unknownRate: number }> = {};
for (const [set, dirs] of [
  ['real-vs-fake-faces/test', ['real-vs-fake-faces/test/real', 'real-vs-fake-faces/test/fake']],
  ['real-vs-ai-images-web/test', ['real-vs-ai-images-web/test/real', 'real-vs-ai-images-web/test/ai']],
] as const) {
  const files = (await Promise.all(dirs.map((d) => listImages(path.join(DATA_ROOT, d))))).flat();
  if (files.length === 0) continue;
  const e = await embedFiles(
    set,
    files,
    files.map(() => 0),
    backbone,
  );
  const probs = scoreDenseHead(head, e.features, files.length);
  outOfDomain[set] = { images: files.length, unknownRate: unknownIn(massOf(e), probs) };
}

// Write the model folder.
const version = values.version as string;
const dir = modelDir(NAME, version);
await mkdir(path.join(dir, 'eval'), { recursive: true });
const onnx = await exportDenseHead(head, `${NAME} ${version}: linear head on ${spec.name} features`);
await writeFile(path.join(dir, 'model.onnx'), onnx);
const createdAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const manifest: ImageHeadManifest = ImageHeadManifestSchema.parse({
  schema: 'vigil.image-head/1',
  name: NAME,
  version,
  description: 'Cat or dog, with an explicit "unknown" for images that are neither.',
  backbone: {
    name: spec.name,
    sha256: spec.files.model.sha256,
    features: spec.features?.name,
    dimension: backbone.featureDimension,
    preprocess: spec.preprocess,
  },
  labels: [...LABELS],
  model: { file: 'model.onnx', sha256: sha256Hex(onnx), bytes: onnx.length },
  unknown: { label: 'unknown', imagenetClasses: IMAGENET_CLASSES, minMass, minConfidence: MIN_CONFIDENCE },
  createdAt,
});
await writeFile(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);

const dataset = async (split: string, e: Embedded) => ({
  corpus: NAME,
  split,
  file: `${split}/{cat,dog}/*.jpg`,
  rows: e.files.length,
  sha256: sha256Hex(Buffer.from(e.files.map((f) => path.relative(DATA_ROOT, f)).join('\n'))),
  provenance:
    'Kaggle "Dogs vs. Cats" (Microsoft Asirra) JPEGs via chanakya2734/Image-classification-using-CNN; sha256 is over the file list',
});
const card = ModelCardSchema.parse({
  schema: 'vigil.model-card/1',
  name: NAME,
  version,
  summary: `Cat vs dog from MobileNetV2 int8 pooled features: test accuracy ${report.accuracy.toFixed(4)}, ROC AUC ${auc.toFixed(4)}; images that are neither are answered "unknown".`,
  intendedUse:
    'Seed 002’s cats-vs-dogs demo classifier and a template for image heads. Not for any decision about people.',
  data: { training: [await dataset('train', train)], evaluation: [await dataset('test', test)] },
  training: {
    command: `npm run train:image -- --version ${version}`,
    seconds: Number(trainSeconds.toFixed(1)),
    rows: train.files.length,
    validationRows: 0,
    hyperparameters: {
      c: chosenC,
      cGrid: C_GRID,
      folds: 5,
      input: 'features',
      minMass,
      minConfidence: MIN_CONFIDENCE,
      gateQuantile: GATE_QUANTILE,
    },
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    nodeVersion: process.version,
  },
  metrics: [
    { dataset: NAME, split: 'test', metric: 'accuracy', value: report.accuracy },
    { dataset: NAME, split: 'test', metric: 'roc_auc', value: auc },
    { dataset: NAME, split: 'test', metric: 'macro_f1', value: report.macroF1 },
    { dataset: NAME, split: 'test', metric: 'unknown_rate', value: unknownIn(testMass, testProbs) },
    { dataset: NAME, split: 'test', metric: 'accuracy_when_known', value: kept === 0 ? 0 : keptRight / kept },
    ...Object.entries(outOfDomain).map(([set, r]) => ({
      dataset: set,
      split: 'test',
      metric: 'unknown_rate',
      value: r.unknownRate,
    })),
  ],
  baselines: [
    {
      dataset: NAME,
      metric: 'accuracy',
      baseline: probes.logits?.testAccuracy ?? 0.975,
      vigil: report.accuracy,
      source:
        'logistic-regression probe on the same backbone’s 1,000 logits, same splits, C tuned the same way (this script)',
    },
  ],
  size: { onnxBytes: onnx.length, parameters: head.weights.length + head.bias.length },
  checksum: { onnxSha256: sha256Hex(onnx) },
  limits: [
    'Trained on 1,200 Asirra photos: pets photographed by their owners; drawings, toys and unusual angles are less reliable.',
    `“unknown” relies on ImageNet’s own cat and dog classes: an image whose ImageNet cat+dog mass is below ${minMass} (or whose head confidence is below ${MIN_CONFIDENCE}) is not labelled.`,
    'Big cats, foxes and wolves fall outside the ImageNet ranges and are usually answered “unknown”.',
  ],
  createdAt,
});
await writeFile(path.join(dir, 'card.json'), `${JSON.stringify(card, null, 2)}\n`);

const roc = rocCurve(dogScores, test.targets);
const thin = thinCurve({ fpr: roc.fpr, tpr: roc.tpr }, 200);
await writeFile(
  path.join(dir, 'eval', 'roc-test.svg'),
  renderRocSvg(`${NAME} ${version} — test ROC (dog)`, [{ label: 'dog', fpr: thin.fpr, tpr: thin.tpr, auc }]),
);
const evaluation = {
  model: `${NAME}@${version}`,
  backbone: spec.name,
  probes,
  test: { ...report, auc },
  gate: {
    minMass,
    minConfidence: MIN_CONFIDENCE,
    testUnknownRate: unknownIn(testMass, testProbs),
    accuracyWhenKnown: kept === 0 ? 0 : keptRight / kept,
    kept,
  },
  outOfDomain,
};
await writeFile(path.join(dir, 'eval', 'report.json'), `${JSON.stringify(evaluation, null, 2)}\n`);
const md = [
  `# ${NAME} ${version} — evaluation`,
  '',
  `Backbone \`${spec.name}\`; head = logistic regression (multinomial L-BFGS, C by 5-fold CV on train).`,
  '',
  '| probe input | C | 5-fold CV accuracy (train) | test accuracy | test ROC AUC |',
  '| --- | --- | --- | --- | --- |',
  ...Object.entries(probes).map(
    ([k, p]) =>
      `| ${k} | ${p.c} | ${(p.cv[String(p.c)] ?? 0).toFixed(4)} | ${p.testAccuracy.toFixed(4)} | ${p.testAuc.toFixed(4)} |`,
  ),
  '',
  `Test (${test.files.length} images): accuracy **${report.accuracy.toFixed(4)}**, macro F1 ${report.macroF1.toFixed(4)}, confusion (rows actual cat/dog) ${JSON.stringify(report.confusion)}.`,
  '',
  '## Unknown gate',
  '',
  `minMass = ${minMass} (the ${GATE_QUANTILE * 100}% quantile of ImageNet cat+dog mass on train), minConfidence = ${MIN_CONFIDENCE}.`,
  '',
  '| set | images | answered unknown |',
  '| --- | --- | --- |',
  `| ${NAME}/test | ${test.files.length} | ${(unknownIn(testMass, testProbs) * 100).toFixed(1)}% (accuracy on the rest ${((kept === 0 ? 0 : keptRight / kept) * 100).toFixed(2)}%) |`,
  ...Object.entries(outOfDomain).map(
    ([set, r]) => `| ${set} (no pets expected) | ${r.images} | ${(r.unknownRate * 100).toFixed(1)}% |`,
  ),
  '',
  '![ROC](roc-test.svg)',
  '',
];
await writeFile(path.join(dir, 'eval', 'report.md'), md.join('\n'));
console.log(
  `wrote ${path.relative(REPO_ROOT, dir)}: test accuracy ${report.accuracy.toFixed(4)}, AUC ${auc.toFixed(4)}, minMass ${minMass}`,
);
console.log(`unknown: test ${(unknownIn(testMass, testProbs) * 100).toFixed(1)}%`, outOfDomain);
await backbone.close();
