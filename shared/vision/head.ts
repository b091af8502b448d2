/**
 * Linear image heads over backbone features: trained with the text trainer (features as dense rows),
 * standardisation folded into the weights, exported as a tiny ONNX graph (MatMul · Add · Softmax) with a
 * zod manifest naming the backbone it was trained on.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Tensor } from 'onnxruntime-node';
import { z } from 'zod';
import { createOnnxSession } from '../inference/onnx-session.js';
import { type HeadTask, type SparseMatrix, type TrainOptions, trainLinearModel } from '../text/train.js';
import { sha256Hex } from './backbones.js';
import { PreprocessSpecSchema } from './preprocess.js';

export const HEAD_INPUT = 'features';
export const HEAD_OUTPUT = 'probabilities';

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const Range = z.tuple([z.number().int().min(0), z.number().int().min(0)]);

export const ImageHeadManifestSchema = z
  .object({
    schema: z.literal('vigil.image-head/1'),
    name: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/),
    version: z.string().regex(/^\d+\.\d+\.\d+$/),
    description: z.string(),
    backbone: z
      .object({
        name: z.string().describe('entry of models/backbones.json'),
        sha256: Sha256.describe('of the backbone model file the head was trained on'),
        features: z.string().describe('feature output the head reads'),
        dimension: z.number().int().positive(),
        preprocess: PreprocessSpecSchema.describe('the preprocessing the head was trained with'),
      })
      .strict(),
    labels: z.array(z.string().min(1)).min(2),
    model: z.object({ file: z.string(), sha256: Sha256, bytes: z.number().int().positive() }).strict(),
    /**
     * The "neither" outcome: an image is `unknown` when the backbone's ImageNet probability mass on the
     * classes that match any label is below `minMass`, or the head's confidence is below `minConfidence`.
     */
    unknown: z
      .object({
        label: z.string().min(1),
        imagenetClasses: z.record(z.string(), z.array(Range).min(1)),
        minMass: z.number().min(0).max(1),
        minConfidence: z.number().min(0).max(1),
      })
      .strict(),
    createdAt: z.iso.datetime(),
  })
  .strict();

export type ImageHeadManifest = z.infer<typeof ImageHeadManifestSchema>;

/** A trained dense head: `weights` row-major `[dimension, classes]`. */
export interface DenseHead {
  dimension: number;
  labels: readonly string[];
  weights: Float32Array;
  bias: Float32Array;
}

/** Per-feature mean and standard deviation (floored), so training sees standardised inputs. */
export function featureStats(features: Float32Array, rows: number, dimension: number) {
  const mean = new Float64Array(dimension);
  const std = new Float64Array(dimension);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < dimension; j++)
      mean[j] = (mean[j] as number) + (features[i * dimension + j] as number);
  for (let j = 0; j < dimension; j++) mean[j] = (mean[j] as number) / rows;
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < dimension; j++) {
      const d = (features[i * dimension + j] as number) - (mean[j] as number);
      std[j] = (std[j] as number) + d * d;
    }
  for (let j = 0; j < dimension; j++) std[j] = Math.max(Math.sqrt((std[j] as number) / rows), 1e-6);
  return { mean, std };
}

/**
 * Trains a softmax head by the text trainer's multinomial L-BFGS on standardised features, then folds
 * the standardisation into the weights: w' = w / σ, b' = b − Σ w·μ / σ, so serving is one MatMul.
 */
export function trainDenseHead(
  features: Float32Array,
  targets: Int32Array,
  dimension: number,
  labels: readonly string[],
  c: number,
  options: TrainOptions = {},
): DenseHead {
  const rows = targets.length;
  if (features.length !== rows * dimension) throw new RangeError('features and targets disagree on rows');
  const { mean, std } = featureStats(features, rows, dimension);
  const values = new Float32Array(rows * dimension);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < dimension; j++)
      values[i * dimension + j] =
        ((features[i * dimension + j] as number) - (mean[j] as number)) / (std[j] as number);
  const indices = new Int32Array(rows * dimension);
  const indptr = new Int32Array(rows + 1);
  for (let i = 0; i < rows; i++) {
    indptr[i + 1] = (i + 1) * dimension;
    for (let j = 0; j < dimension; j++) indices[i * dimension + j] = j;
  }
  const matrix: SparseMatrix = { rows, indptr, indices, values };
  const task: HeadTask = {
    name: 'label',
    activation: 'softmax',
    labels,
    targets: Float32Array.from(targets),
    c,
  };
  const model = trainLinearModel(matrix, new Float32Array(dimension).fill(1), [task], options);
  const k = labels.length;
  const weights = new Float32Array(dimension * k);
  const bias = Float32Array.from(model.bias);
  for (let j = 0; j < dimension; j++)
    for (let l = 0; l < k; l++) {
      const w = (model.weights[j * k + l] as number) / (std[j] as number);
      weights[j * k + l] = w;
      bias[l] = (bias[l] as number) - w * (mean[j] as number);
    }
  return { dimension, labels: [...labels], weights, bias };
}

/** The head's probabilities for `rows` feature vectors, in float64 (the reference the ONNX graph must match). */
export function scoreDenseHead(head: DenseHead, features: Float32Array, rows: number): Float64Array {
  const k = head.labels.length;
  const out = new Float64Array(rows * k);
  for (let i = 0; i < rows; i++) {
    const logits = Float64Array.from(head.bias);
    for (let j = 0; j < head.dimension; j++) {
      const x = features[i * head.dimension + j] as number;
      if (x !== 0)
        for (let l = 0; l < k; l++)
          logits[l] = (logits[l] as number) + x * (head.weights[j * k + l] as number);
    }
    const max = Math.max(...logits);
    let sum = 0;
    for (let l = 0; l < k; l++) sum += Math.exp((logits[l] as number) - max);
    for (let l = 0; l < k; l++) out[i * k + l] = Math.exp((logits[l] as number) - max) / sum;
  }
  return out;
}

/** ONNX (opset 17): `features [n, d]` → MatMul · Add · Softmax → `probabilities [n, k]`. */
export async function exportDenseHead(head: DenseHead, docString = ''): Promise<Uint8Array> {
  const { onnx } = (await import('onnx-proto')).default;
  const { DataType } = onnx.TensorProto;
  const k = head.labels.length;
  const tensor = (name: string, dims: number[], data: Float32Array) => ({
    name,
    dims,
    dataType: DataType.FLOAT,
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  });
  const io = (name: string, width: number) => ({
    name,
    type: {
      tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimParam: 'n' }, { dimValue: width }] } },
    },
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'vigil',
    docString,
    opsetImport: [{ domain: '', version: 17 }],
    metadataProps: [{ key: 'vigil.labels', value: JSON.stringify(head.labels) }],
    graph: {
      name: 'image-head',
      node: [
        { opType: 'MatMul', input: [HEAD_INPUT, 'weights'], output: ['/matmul'], name: '/matmul' },
        { opType: 'Add', input: ['/matmul', 'bias'], output: ['/logits'], name: '/logits' },
        {
          opType: 'Softmax',
          input: ['/logits'],
          output: [HEAD_OUTPUT],
          name: HEAD_OUTPUT,
          attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 }],
        },
      ],
      initializer: [tensor('weights', [head.dimension, k], head.weights), tensor('bias', [k], head.bias)],
      input: [io(HEAD_INPUT, head.dimension)],
      output: [io(HEAD_OUTPUT, k)],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

export interface LoadedHead {
  manifest: ImageHeadManifest;
  dir: string;
  /** `[rows, k]` probabilities. */
  run(features: Float32Array, rows: number): Promise<Float32Array>;
  close(): Promise<void>;
}

export async function loadImageHead(dir: string): Promise<LoadedHead> {
  const manifestPath = join(dir, 'manifest.json');
  const parsed = ImageHeadManifestSchema.safeParse(JSON.parse(await readFile(manifestPath, 'utf8')));
  if (!parsed.success)
    throw new Error(
      `${manifestPath}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  const manifest = parsed.data;
  const bytes = await readFile(join(dir, manifest.model.file));
  const sha256 = sha256Hex(bytes);
  if (bytes.length !== manifest.model.bytes || sha256 !== manifest.model.sha256)
    throw new Error(`${join(dir, manifest.model.file)} does not match its manifest checksum: refusing it`);
  // A MatMul of a few kB: one thread, no pool to spin.
  const session = await createOnnxSession(bytes, {
    logSeverityLevel: 3,
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  });
  const dimension = manifest.backbone.dimension;
  return {
    manifest,
    dir,
    async run(features, rows) {
      const input = new Tensor('float32', features.subarray(0, rows * dimension), [rows, dimension]);
      const out = await session.run({ [HEAD_INPUT]: input });
      return out[HEAD_OUTPUT]?.data as Float32Array;
    },
    close: () => session.release(),
  };
}

/** Softmax probability mass of `logits` (one row) on the given inclusive class-index ranges. */
export function classMass(logits: Float32Array, ranges: readonly (readonly [number, number])[]): number {
  let max = Number.NEGATIVE_INFINITY;
  for (const v of logits) if (v > max) max = v;
  let total = 0;
  for (const v of logits) total += Math.exp(v - max);
  let mass = 0;
  for (const [lo, hi] of ranges)
    for (let c = lo; c <= hi && c < logits.length; c++) mass += Math.exp((logits[c] as number) - max);
  return mass / total;
}
