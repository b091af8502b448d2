/** Model folders for linear text classifiers: written once with checksums, loaded verified, scored in chunks. */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';
import { createBatcher } from '../ml/batcher.js';
import { blockSplit, Featurizer } from './features.js';
import { type LinearHead, type LinearTextModel, outputCount } from './linear-model.js';
import {
  type ModelCard,
  parseCard,
  parseManifest,
  type TextModelHead,
  type TextModelManifest,
} from './manifest.js';
import { createOnnxSessionCache, type OnnxSessionCache, runLinearTextModel } from './onnx-runtime.js';

export const MODEL_FILE = 'model.onnx';
export const MANIFEST_FILE = 'manifest.json';
export const CARD_FILE = 'card.json';

// Bounds the padded batch tensor (batch × widest doc) and how long one run holds the event loop.
const CHUNK = 64;

/** Per head: label → probability. */
export interface TextScores {
  [head: string]: Record<string, number>;
}

export interface TextClassifier {
  readonly manifest: TextModelManifest;
  /** One entry per text, in order. Rejects with a RangeError for a text over `limits.maxChars`. */
  score(texts: readonly string[]): Promise<TextScores[]>;
  /** Releases the session unless it came from a caller's cache, which keeps owning it. */
  close(): Promise<void>;
}

export interface LoadOptions {
  sessions?: OnnxSessionCache;
  /** Compare model.onnx with the manifest's sha256 and size before serving it; default true. */
  verifyChecksum?: boolean;
}

export async function loadTextClassifier(dir: string, opts: LoadOptions = {}): Promise<TextClassifier> {
  const manifestPath = join(dir, MANIFEST_FILE);
  const manifest = parseManifest(await readJson(manifestPath), manifestPath);
  const modelPath = join(dir, manifest.model.file);
  if (opts.verifyChecksum ?? true) {
    const bytes = await readFile(modelPath);
    const sha256 = sha256Hex(bytes);
    if (bytes.length !== manifest.model.bytes || sha256 !== manifest.model.sha256)
      throw new Error(
        `${modelPath} is ${bytes.length} bytes with sha256 ${sha256}, but ${MANIFEST_FILE} expects ` +
          `${manifest.model.bytes} bytes with sha256 ${manifest.model.sha256}: refusing a corrupt or swapped model`,
      );
  }
  const owned = opts.sessions ? undefined : createOnnxSessionCache();
  let session: InferenceSession;
  try {
    session = await (opts.sessions ?? (owned as OnnxSessionCache)).load(modelPath);
    checkSignature(session, manifest, modelPath);
  } catch (error) {
    await owned?.clear();
    throw error;
  }

  const featurizer = new Featurizer(manifest.features);
  const { maxChars } = manifest.limits;
  let closed = false;

  // Concurrent score() calls share ONNX runs of up to CHUNK texts (see createBatcher). Runs are short,
  // so two may be in flight: a batch is not held back until the one ahead settles (the runs still take
  // turns on the main thread, where onnxruntime-node runs inference).
  const scoreBatched = createBatcher(
    async (texts: readonly string[]): Promise<TextScores[]> => {
      // featurize never awaits, so one Featurizer is safe across concurrent batches.
      const docs = texts.map((text) => featurizer.featurize(text));
      const outputs = await runLinearTextModel(session, manifest.heads, docs);
      return docs.map((_, d) =>
        Object.fromEntries(
          manifest.heads.map((head) => {
            const probs = outputs[head.name]?.[d] as Float32Array;
            return [
              head.name,
              Object.fromEntries(head.labels.map((label, j) => [label, probs[j] as number])),
            ];
          }),
        ),
      );
    },
    CHUNK,
    { concurrency: 2 },
  );
  return {
    manifest,
    async score(texts) {
      if (closed) throw new Error(`Text classifier ${manifest.name}@${manifest.version} is closed`);
      // All texts are checked before any work, so a bad request costs nothing; the text itself is never echoed.
      for (const [i, text] of texts.entries()) {
        if (typeof text !== 'string') throw new TypeError(`Text ${i} is not a string`);
        if (text.length > maxChars)
          throw new RangeError(`Text ${i} has ${text.length} characters; the limit is ${maxChars}`);
      }
      return scoreBatched(texts);
    },
    async close() {
      closed = true;
      await owned?.clear();
    },
  };
}

/**
 * The labels a head decides for one text: for a sigmoid head every label at or above its threshold,
 * for a softmax head the single argmax of log(prob) + decision offset.
 */
export function decide(
  head: TextModelHead,
  probs: Readonly<Record<string, number>>,
  language?: string,
): string[] {
  const prob = (label: string) => {
    const p = Object.hasOwn(probs, label) ? probs[label] : undefined;
    if (typeof p !== 'number') throw new Error(`No probability for label "${label}" of head "${head.name}"`);
    return p;
  };
  if (head.activation === 'sigmoid')
    return head.labels.filter((label) => prob(label) >= thresholdOf(head, label, language));
  let best = head.labels[0] as string;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (const label of head.labels) {
    const score = Math.log(prob(label)) + (head.decisionOffsets?.[label] ?? 0);
    if (score > bestScore) [best, bestScore] = [label, score];
  }
  return [best];
}

/** A sigmoid label's threshold, for a language when the model was tuned for it. */
export function thresholdOf(
  head: TextModelHead & { activation: 'sigmoid' },
  label: string,
  language?: string,
): number {
  const byLanguage = language === undefined ? undefined : head.thresholdsByLanguage?.[language]?.[label];
  return byLanguage ?? (head.thresholds[label] as number);
}

export interface ModelFolderContents {
  model: LinearTextModel;
  manifest: Omit<TextModelManifest, 'model' | 'schema'>;
  card: Omit<ModelCard, 'schema' | 'checksum' | 'size'>;
}

export interface ModelFolderPaths {
  dir: string;
  model: string;
  manifest: string;
  card: string;
}

/**
 * Exports the model to ONNX and writes `model.onnx`, `manifest.json` and `card.json` with checksum and
 * size filled in. Both documents are validated (and checked against the model) before anything is written.
 */
export async function writeModelFolder(
  dir: string,
  contents: ModelFolderContents,
): Promise<ModelFolderPaths> {
  const { model } = contents;
  const paths = {
    dir,
    model: join(dir, MODEL_FILE),
    manifest: join(dir, MANIFEST_FILE),
    card: join(dir, CARD_FILE),
  };
  // The exporter (and protobufjs under it) is only needed when writing: serving never loads it.
  const { exportLinearTextModel } = await import('./onnx-export.js');
  const onnx = exportLinearTextModel(model, {
    producerVersion: contents.manifest.version,
    docString: `${contents.manifest.name}@${contents.manifest.version}: ${contents.manifest.task}`,
  });
  const sha256 = sha256Hex(onnx);
  const manifest = parseManifest(
    {
      ...contents.manifest,
      schema: 'vigil.text-model/1',
      model: { file: MODEL_FILE, sha256, bytes: onnx.length },
    },
    paths.manifest,
  );
  const outputs = outputCount(model.heads);
  const card = parseCard(
    {
      ...contents.card,
      schema: 'vigil.model-card/1',
      size: { onnxBytes: onnx.length, parameters: model.buckets * outputs + outputs },
      checksum: { onnxSha256: sha256 },
    },
    paths.card,
  );
  checkFolderContents(model, manifest, card, dir);
  // Parsed output follows the schemas' key order whatever order the caller used; records are ordered here.
  const heads = manifest.heads.map(orderByLabels);
  const hyperparameters = sortKeys(card.training.hyperparameters);
  await mkdir(dir, { recursive: true });
  await writeFile(paths.model, onnx);
  await writeFile(paths.manifest, toJson({ ...manifest, heads }));
  await writeFile(paths.card, toJson({ ...card, training: { ...card.training, hyperparameters } }));
  return paths;
}

// The manifest's heads decide how ONNX outputs are labelled: any drift from the model would mislabel scores silently.
function checkFolderContents(
  model: LinearTextModel,
  manifest: TextModelManifest,
  card: ModelCard,
  dir: string,
) {
  const problems: string[] = [];
  if (manifest.features.buckets !== model.buckets)
    problems.push(`features.buckets ${manifest.features.buckets} ≠ model buckets ${model.buckets}`);
  if (blockSplit(manifest.features) !== (model.blockSplit ?? 0))
    problems.push(`features.perBlockNorm does not match the model's block split ${model.blockSplit ?? 0}`);
  const describe = (heads: readonly LinearHead[]) =>
    JSON.stringify(heads.map(({ name, activation, labels }) => ({ name, activation, labels })));
  if (describe(manifest.heads) !== describe(model.heads))
    problems.push(`manifest heads ${describe(manifest.heads)} ≠ model heads ${describe(model.heads)}`);
  if (card.name !== manifest.name || card.version !== manifest.version)
    problems.push(
      `card is ${card.name}@${card.version} but manifest is ${manifest.name}@${manifest.version}`,
    );
  if (problems.length > 0) throw new Error(`Cannot write model folder ${dir}: ${problems.join('; ')}`);
}

function checkSignature(session: InferenceSession, manifest: TextModelManifest, where: string): void {
  const problems: string[] = [];
  for (const [name, { dtype }] of Object.entries(manifest.inputs)) {
    const input = session.inputMetadata.find((m) => m.name === name);
    if (!input?.isTensor) problems.push(`no tensor input "${name}"`);
    else if (input.type !== dtype) problems.push(`input "${name}" is ${input.type}, not ${dtype}`);
  }
  for (const head of manifest.heads) {
    const output = session.outputMetadata.find((m) => m.name === head.name);
    const expected = `float32 [batch,${head.labels.length}]`;
    if (!output?.isTensor) problems.push(`no tensor output "${head.name}"`);
    else if (output.type !== 'float32' || output.shape.length !== 2 || output.shape[1] !== head.labels.length)
      problems.push(`output "${head.name}" is ${output.type} [${output.shape}], not ${expected}`);
  }
  if (problems.length > 0)
    throw new Error(`${where} does not match ${MANIFEST_FILE}: ${problems.join('; ')}`);
}

function orderByLabels(head: TextModelHead): TextModelHead {
  const order = (record: Record<string, number>) =>
    Object.fromEntries(
      head.labels.filter((l) => Object.hasOwn(record, l)).map((l) => [l, record[l] as number]),
    );
  if (head.activation === 'sigmoid') return { ...head, thresholds: order(head.thresholds) };
  return {
    ...head,
    ...(head.thresholds && { thresholds: order(head.thresholds) }),
    ...(head.decisionOffsets && { decisionOffsets: order(head.decisionOffsets) }),
  };
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}

const toJson = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

async function readJson(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: not valid JSON (${(error as Error).message.slice(0, 120)})`);
  }
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
