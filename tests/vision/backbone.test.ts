/**
 * The MobileNetV2 backbone as a feature extractor (graph edited in memory to output pooled features),
 * the model cache's checks, and the committed cats-vs-dogs classifier on it.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Tensor } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOnnxSession } from '../../shared/inference/onnx-session.js';
import { type Backbone, loadBackbone, withFeatureOutput } from '../../shared/vision/backbone.js';
import { BackboneMissingError, type BackboneSpec, backboneSpec } from '../../shared/vision/backbones.js';
import { type ImageClassifier, loadImageClassifier } from '../../shared/vision/classifier.js';
import { decodeForModel } from '../../shared/vision/decode.js';
import { tensorLength, writeTensor } from '../../shared/vision/preprocess.js';
import { MODELS_DIR } from '../support/platform.js';
import { BACKBONE_READY, MODEL_CACHE, PHOTOS_READY, solidImage, testPhotos } from '../support/vision.js';

const LIMITS = { maxBytes: 10 * 2 ** 20, maxPixels: 25_000_000 };
let spec: BackboneSpec;

beforeAll(async () => {
  spec = await backboneSpec(MODELS_DIR, 'mobilenetv2-12-int8');
});

describe('the model cache', () => {
  it('names the pull command when a backbone is missing', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'vigil-cache-'));
    try {
      const error = await loadBackbone(empty, spec).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BackboneMissingError);
      expect((error as Error).message).toContain('npm run models:pull');
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it.skipIf(!BACKBONE_READY)('refuses a cached file whose checksum differs from the catalog', async () => {
    const cache = await mkdtemp(path.join(tmpdir(), 'vigil-cache-'));
    try {
      await mkdir(path.join(cache, spec.name));
      const original = await readFile(path.join(MODEL_CACHE, spec.name, spec.files.model.file));
      original[1000] = (original[1000] as number) ^ 1;
      await writeFile(path.join(cache, spec.name, spec.files.model.file), original);
      for (const file of Object.values(spec.files).filter((f) => f !== spec.files.model))
        await copyFile(path.join(MODEL_CACHE, spec.name, file.file), path.join(cache, spec.name, file.file));
      await expect(loadBackbone(cache, spec)).rejects.toThrow(/sha256/);
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!BACKBONE_READY)('MobileNetV2 as a feature extractor', () => {
  let backbone: Backbone;
  let pixels: Float32Array;
  const perImage = 3 * 224 * 224;

  beforeAll(async () => {
    backbone = await loadBackbone(MODEL_CACHE, spec);
    // Three different flat colours, preprocessed as the manifest says.
    pixels = new Float32Array(3 * perImage);
    for (const [i, colour] of ['#884422', '#2255aa', '#eeeeee'].entries()) {
      const decoded = await decodeForModel(
        await solidImage(300, 200, 'png', colour),
        LIMITS,
        spec.preprocess,
      );
      writeTensor(decoded.rgb, spec.preprocess, pixels, i * perImage);
    }
  });
  afterAll(async () => {
    await backbone?.close();
  });

  it('outputs 1,280 pooled features next to the unchanged 1,000 logits', async () => {
    expect(tensorLength(spec.preprocess)).toBe(perImage);
    const out = await backbone.run(pixels, 3);
    expect(out.features.length).toBe(3 * 1280);
    expect(out.logits.length).toBe(3 * 1000);
    // Pooled ReLU6 activations: non-negative and not all zero.
    expect(out.features.every((v) => v >= 0)).toBe(true);
    expect(out.features.some((v) => v > 0)).toBe(true);
    // The original graph gives the same logits: the edit only adds an output.
    const original = await createOnnxSession(
      await readFile(path.join(MODEL_CACHE, spec.name, spec.files.model.file)),
      { logSeverityLevel: 3 },
    );
    const reference = await original.run({ input: new Tensor('float32', pixels, [3, 3, 224, 224]) });
    expect(Array.from(out.logits)).toEqual(Array.from(reference.output?.data as Float32Array));
    await original.release();
    expect(backbone.labels.length).toBe(1000);
    expect(backbone.labels[281]).toMatch(/tabby/i);
  });

  it('gives each image the same features in a batch as alone', async () => {
    const batch = await backbone.run(pixels, 3);
    for (let i = 0; i < 3; i++) {
      const single = await backbone.run(pixels.slice(i * perImage, (i + 1) * perImage), 1);
      const row = batch.features.subarray(i * 1280, (i + 1) * 1280);
      let worst = 0;
      for (let j = 0; j < 1280; j++)
        worst = Math.max(worst, Math.abs((row[j] as number) - (single.features[j] as number)));
      expect(worst).toBeLessThan(1e-4);
    }
  });

  it('refuses to add an output for a tensor the graph does not have', async () => {
    const model = await readFile(path.join(MODEL_CACHE, spec.name, spec.files.model.file));
    await expect(
      withFeatureOutput(model, { ...spec.features!, quantized: 'no-such-tensor' }),
    ).rejects.toThrow(/no tensor/);
    await expect(withFeatureOutput(model, { ...spec.features!, name: 'output' })).rejects.toThrow(/already/);
  });
});

describe.skipIf(!BACKBONE_READY)('the committed cats-vs-dogs classifier', () => {
  let classifier: ImageClassifier;
  beforeAll(async () => {
    classifier = await loadImageClassifier({
      modelsDir: MODELS_DIR,
      cacheDir: MODEL_CACHE,
      name: 'cats-vs-dogs',
    });
  });
  afterAll(async () => {
    await classifier?.close();
  });

  it('answers "unknown" for images that are neither cats nor dogs', async () => {
    const images = await Promise.all(
      ['#808080', '#1144cc', '#ffffff'].map(async (c) =>
        decodeForModel(await solidImage(320, 240, 'jpeg', c), LIMITS, classifier.backbone.spec.preprocess),
      ),
    );
    for (const result of await classifier.classify(images)) {
      expect(result.unknown).toBe(true);
      expect(result.label).toBe('unknown');
      expect(result.labelMass).toBeLessThan(classifier.manifest.unknown.minMass);
      expect(result.imagenet).toHaveLength(5);
      expect(result.probabilities.cat! + result.probabilities.dog!).toBeCloseTo(1, 5);
    }
  });

  it.skipIf(!PHOTOS_READY)('names held-out cats and dogs (concurrent calls share batches)', async () => {
    const photos = [...testPhotos('cat', 6), ...testPhotos('dog', 6)];
    const images = await Promise.all(
      photos.map(async (f) => decodeForModel(await readFile(f), LIMITS, classifier.backbone.spec.preprocess)),
    );
    const results = (await Promise.all(images.map((image) => classifier.classify([image])))).flat();
    const right = results.filter((r, i) => r.label === (i < 6 ? 'cat' : 'dog')).length;
    const swapped = results.filter((r, i) => r.label === (i < 6 ? 'dog' : 'cat')).length;
    // On the 400 test photos: 2.8% unknown, 98.7% right among the rest. Among these 12, at most two
    // low-confidence "unknown" answers and at most one cat called a dog (or the reverse).
    expect(right).toBeGreaterThanOrEqual(10);
    expect(swapped).toBeLessThanOrEqual(1);
  });
});
