/**
 * An ImageNet backbone run as a feature extractor: the ONNX graph is edited (in memory, at load) to also
 * output its pooled penultimate features, and one session serves batches of preprocessed images.
 */
import { Tensor } from 'onnxruntime-node';
import { createOnnxSession } from '../inference/onnx-session.js';
import { type BackboneSpec, readVerified } from './backbones.js';
import { tensorLength } from './preprocess.js';

export interface BackboneOutputs {
  /** `[n, classes]` ImageNet logits. */
  logits: Float32Array;
  /** `[n, dimension]` pooled features (the classifier's input). */
  features: Float32Array;
}

export interface Backbone {
  readonly spec: BackboneSpec;
  readonly labels: readonly string[];
  readonly classes: number;
  readonly featureDimension: number;
  /** `pixels` holds `n` preprocessed images back to back (see `writeTensor`). */
  run(pixels: Float32Array, n: number): Promise<BackboneOutputs>;
  close(): Promise<void>;
}

export interface BackboneOptions {
  /** ONNX Runtime intra-op threads; default: onnxruntime's choice (all cores). */
  threads?: number;
}

/**
 * Adds a float graph output for a quantized inner tensor: a DequantizeLinear of `quantized` with its
 * scale and zero point. Returns the re-encoded model; the original outputs are unchanged.
 */
export async function withFeatureOutput(
  model: Uint8Array,
  feature: NonNullable<BackboneSpec['features']>,
): Promise<Uint8Array> {
  const { onnx } = (await import('onnx-proto')).default;
  const decoded = onnx.ModelProto.decode(model);
  const graph = decoded.graph;
  if (!graph) throw new Error('backbone model has no graph');
  const produced = new Set(graph.node?.flatMap((n) => n.output ?? []));
  const initializers = new Set(graph.initializer?.map((t) => t.name));
  if (!produced.has(feature.quantized))
    throw new Error(`backbone graph has no tensor "${feature.quantized}" to expose as features`);
  for (const name of [feature.scale, feature.zeroPoint])
    if (!initializers.has(name) && !produced.has(name))
      throw new Error(`backbone graph has no tensor "${name}"`);
  if (graph.output?.some((o) => o.name === feature.name) || produced.has(feature.name))
    throw new Error(`backbone graph already has a tensor "${feature.name}"`);
  graph.node?.push({
    opType: 'DequantizeLinear',
    name: `${feature.name}/dequantize`,
    input: [feature.quantized, feature.scale, feature.zeroPoint],
    output: [feature.name],
  });
  graph.output?.push({
    name: feature.name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: [{ dimParam: 'batch_size' }, { dimValue: feature.dimension }] },
      },
    },
  });
  return onnx.ModelProto.encode(decoded).finish();
}

export async function loadBackbone(
  cacheDir: string,
  spec: BackboneSpec,
  options: BackboneOptions = {},
): Promise<Backbone> {
  const { features } = spec;
  if (!features) throw new Error(`backbone ${spec.name} declares no feature tensor`);
  const labelsFile = spec.files.labels;
  const [model, labelBytes] = await Promise.all([
    readVerified(cacheDir, spec, spec.files.model),
    labelsFile ? readVerified(cacheDir, spec, labelsFile) : Promise.resolve(undefined),
  ]);
  const labels: string[] = labelBytes ? JSON.parse(labelBytes.toString('utf8')) : [];
  const session = await createOnnxSession(await withFeatureOutput(model, features), {
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    // Idle intra-op threads must not spin: they would take the cores sharp needs to decode the next
    // uploads (measured: 2.4× more images/s with 8 concurrent requests, docs/BENCHMARKS.md).
    extra: { session: { intra_op: { allow_spinning: '0' } } },
    ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
  });
  const logitsName = spec.outputs.logits;
  if (
    !logitsName ||
    !session.outputNames.includes(logitsName) ||
    !session.outputNames.includes(features.name)
  )
    throw new Error(
      `backbone ${spec.name}: outputs ${session.outputNames.join(', ')} lack logits or features`,
    );
  const perImage = tensorLength(spec.preprocess);
  const { input } = spec;
  const dims = (n: number) =>
    input.layout === 'NCHW' ? [n, 3, input.height, input.width] : [n, input.height, input.width, 3];
  let closed = false;
  return {
    spec,
    labels,
    classes: labels.length,
    featureDimension: features.dimension,
    async run(pixels, n) {
      if (closed) throw new Error(`backbone ${spec.name} is closed`);
      if (n < 1 || pixels.length < n * perImage)
        throw new RangeError(`expected ${n} images of ${perImage} values`);
      const feeds = { [input.name]: new Tensor('float32', pixels.subarray(0, n * perImage), dims(n)) };
      const out = await session.run(feeds, [logitsName, features.name]);
      return {
        logits: out[logitsName]?.data as Float32Array,
        features: out[features.name]?.data as Float32Array,
      };
    },
    async close() {
      closed = true;
      await session.release();
    },
  };
}
