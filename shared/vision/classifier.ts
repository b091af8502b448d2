/**
 * An image classifier = a backbone (features + ImageNet logits) and a linear head, loaded together and
 * checked against each other; concurrent calls share one backbone run (dynamic batching).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createBatcher } from '../ml/batcher.js';
import { type Backbone, type BackboneOutputs, loadBackbone } from './backbone.js';
import { backboneSpec } from './backbones.js';
import type { DecodedImage } from './decode.js';
import { classMass, type ImageHeadManifest, type LoadedHead, loadImageHead } from './head.js';
import { tensorLength, writeTensor } from './preprocess.js';

export interface ImagenetGuess {
  index: number;
  label: string;
  probability: number;
}

export interface ImageClassification {
  /** The head's argmax, or the manifest's unknown label when the image matches none of the labels. */
  label: string;
  /** Head probability of its argmax (also reported when the outcome is unknown). */
  confidence: number;
  probabilities: Record<string, number>;
  unknown: boolean;
  /** ImageNet probability mass on the classes that match any label (the unknown gate's input). */
  labelMass: number;
  /** The backbone's five most probable ImageNet classes. */
  imagenet: ImagenetGuess[];
}

export interface ImageClassifier {
  readonly manifest: ImageHeadManifest;
  readonly backbone: Backbone;
  classify(images: readonly DecodedImage[]): Promise<ImageClassification[]>;
  close(): Promise<void>;
}

export interface LoadImageClassifierOptions {
  modelsDir: string;
  cacheDir: string;
  name: string;
  /** Exact version; default the newest on disk. */
  version?: string;
  /** Images per backbone run; default 16. */
  maxBatch?: number;
  threads?: number;
}

export async function newestVersion(modelsDir: string, name: string): Promise<string> {
  const entries = await readdir(join(modelsDir, name), { withFileTypes: true }).catch(() => []);
  const versions = entries
    .filter((e) => e.isDirectory() && /^\d+\.\d+\.\d+$/.test(e.name))
    .map((e) => e.name)
    .sort((a, b) => {
      const [x, y] = [a.split('.').map(Number), b.split('.').map(Number)];
      for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (y[i] as number) - (x[i] as number);
      return 0;
    });
  if (versions.length === 0) throw new Error(`no versions of image model "${name}" in ${modelsDir}`);
  return versions[0] as string;
}

/** Runs the backbone over decoded images (already at the backbone's input size). */
export async function embed(
  backbone: Backbone,
  images: readonly Pick<DecodedImage, 'rgb'>[],
): Promise<BackboneOutputs> {
  const perImage = tensorLength(backbone.spec.preprocess);
  const pixels = new Float32Array(images.length * perImage);
  for (const [i, image] of images.entries())
    writeTensor(image.rgb, backbone.spec.preprocess, pixels, i * perImage);
  return backbone.run(pixels, images.length);
}

export async function loadImageClassifier(options: LoadImageClassifierOptions): Promise<ImageClassifier> {
  const version = options.version ?? (await newestVersion(options.modelsDir, options.name));
  const head: LoadedHead = await loadImageHead(join(options.modelsDir, options.name, version));
  const { manifest } = head;
  const spec = await backboneSpec(options.modelsDir, manifest.backbone.name);
  if (spec.files.model.sha256 !== manifest.backbone.sha256)
    throw new Error(
      `${manifest.name}@${manifest.version} was trained on backbone sha256 ${manifest.backbone.sha256}, ` +
        `but the catalog's ${spec.name} is ${spec.files.model.sha256}`,
    );
  if (
    spec.features?.name !== manifest.backbone.features ||
    spec.features.dimension !== manifest.backbone.dimension
  )
    throw new Error(
      `${manifest.name}@${manifest.version} reads features the backbone ${spec.name} does not output`,
    );
  let backbone: Backbone;
  try {
    backbone = await loadBackbone(
      options.cacheDir,
      spec,
      options.threads ? { threads: options.threads } : {},
    );
  } catch (error) {
    await head.close();
    throw error;
  }
  const ranges = Object.values(manifest.unknown.imagenetClasses).flat();
  const k = manifest.labels.length;

  const classifyBatch = async (images: readonly DecodedImage[]): Promise<ImageClassification[]> => {
    const { logits, features } = await embed(backbone, images);
    const probs = await head.run(features, images.length);
    return images.map((_, i) => {
      const row = probs.subarray(i * k, (i + 1) * k);
      let best = 0;
      for (let l = 1; l < k; l++) if ((row[l] as number) > (row[best] as number)) best = l;
      const imagenetRow = logits.subarray(i * backbone.classes, (i + 1) * backbone.classes);
      const labelMass = classMass(imagenetRow, ranges);
      const confidence = row[best] as number;
      const unknown = labelMass < manifest.unknown.minMass || confidence < manifest.unknown.minConfidence;
      return {
        label: unknown ? manifest.unknown.label : (manifest.labels[best] as string),
        confidence,
        probabilities: Object.fromEntries(manifest.labels.map((label, l) => [label, row[l] as number])),
        unknown,
        labelMass,
        imagenet: topK(imagenetRow, backbone.labels, 5),
      };
    });
  };
  const classify = createBatcher(classifyBatch, options.maxBatch ?? 16);
  return {
    manifest,
    backbone,
    classify,
    async close() {
      await Promise.all([head.close(), backbone.close()]);
    },
  };
}

/** The k most probable classes of one logits row (softmax over the row). */
export function topK(logits: Float32Array, labels: readonly string[], k: number): ImagenetGuess[] {
  let max = Number.NEGATIVE_INFINITY;
  for (const v of logits) if (v > max) max = v;
  let total = 0;
  for (const v of logits) total += Math.exp(v - max);
  const order = [...logits.keys()].sort((a, b) => (logits[b] as number) - (logits[a] as number)).slice(0, k);
  return order.map((index) => ({
    index,
    label: labels[index] ?? `class ${index}`,
    probability: Math.exp((logits[index] as number) - max) / total,
  }));
}
