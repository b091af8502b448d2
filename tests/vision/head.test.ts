/** Image heads: the trainer's probabilities and the exported ONNX graph agree; manifests are checked. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../shared/ml/random.js';
import { sha256Hex } from '../../shared/vision/backbones.js';
import {
  classMass,
  type DenseHead,
  exportDenseHead,
  type ImageHeadManifest,
  loadImageHead,
  scoreDenseHead,
  trainDenseHead,
} from '../../shared/vision/head.js';

const D = 24;
const ROWS = 240;

/** Two Gaussian classes whose means differ on the first 4 dimensions; other dimensions are noise with wild scales. */
function synthetic(seed: number, rows = ROWS) {
  const random = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
  const features = new Float32Array(rows * D);
  const targets = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    const y = i % 2;
    targets[i] = y;
    for (let j = 0; j < D; j++) {
      const signal = j < 4 ? (y ? 1.5 : -1.5) : 0;
      // Scales from 0.01 to 100: standardisation must be folded in correctly for these to work.
      features[i * D + j] = (signal + gauss()) * 10 ** ((j % 5) - 2) + j;
    }
  }
  return { features, targets };
}

function accuracy(head: DenseHead, features: Float32Array, targets: Int32Array): number {
  const p = scoreDenseHead(head, features, targets.length);
  let right = 0;
  for (let i = 0; i < targets.length; i++)
    if (((p[i * 2 + 1] as number) >= 0.5 ? 1 : 0) === targets[i]) right++;
  return right / targets.length;
}

let dir: string;
let head: DenseHead;
let onnx: Uint8Array;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vigil-head-'));
  const train = synthetic(1);
  head = trainDenseHead(train.features, train.targets, D, ['cat', 'dog'], 1);
  onnx = await exportDenseHead(head);
  const manifest: ImageHeadManifest = {
    schema: 'vigil.image-head/1',
    name: 'synthetic',
    version: '0.1.0',
    description: 'test head',
    backbone: {
      name: 'none',
      sha256: '0'.repeat(64),
      features: 'features',
      dimension: D,
      preprocess: {
        resize: { mode: 'stretch', width: 4, height: 4 },
        interpolation: 'bilinear',
        scale: 255,
        mean: [0, 0, 0],
        std: [1, 1, 1],
        channelOrder: 'RGB',
        layout: 'NCHW',
      },
    },
    labels: ['cat', 'dog'],
    model: { file: 'model.onnx', sha256: sha256Hex(onnx), bytes: onnx.length },
    unknown: { label: 'unknown', imagenetClasses: { cat: [[0, 0]] }, minMass: 0.1, minConfidence: 0.5 },
    createdAt: '2026-11-21T00:00:00Z',
  };
  await writeFile(path.join(dir, 'model.onnx'), onnx);
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('trainDenseHead', () => {
  it('learns a separable problem whatever the feature scales (standardisation folded into the weights)', () => {
    const test = synthetic(2);
    expect(accuracy(head, test.features, test.targets)).toBeGreaterThan(0.95);
    // A head that ignored the informative dimensions would be at chance.
    const shuffled = Int32Array.from(test.targets, (t) => 1 - t);
    expect(accuracy(head, test.features, shuffled)).toBeLessThan(0.05);
  });

  it('refuses features and targets of different lengths', () => {
    expect(() => trainDenseHead(new Float32Array(10), new Int32Array(3), D, ['a', 'b'], 1)).toThrow(
      RangeError,
    );
  });
});

describe('exported head', () => {
  it('matches the trainer’s probabilities to 1e-5 on unseen rows', async () => {
    const loaded = await loadImageHead(dir);
    const test = synthetic(3, 64);
    const onnxProbs = await loaded.run(test.features, 64);
    const reference = scoreDenseHead(head, test.features, 64);
    expect(onnxProbs.length).toBe(128);
    let worst = 0;
    for (let i = 0; i < reference.length; i++)
      worst = Math.max(worst, Math.abs((onnxProbs[i] as number) - (reference[i] as number)));
    expect(worst).toBeLessThan(1e-5);
    await loaded.close();
  });

  it('refuses a model file whose checksum differs from its manifest', async () => {
    const tampered = await mkdtemp(path.join(tmpdir(), 'vigil-head-bad-'));
    try {
      const bytes = Buffer.from(onnx);
      bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff;
      await writeFile(path.join(tampered, 'model.onnx'), bytes);
      await writeFile(path.join(tampered, 'manifest.json'), await readFile(path.join(dir, 'manifest.json')));
      await expect(loadImageHead(tampered)).rejects.toThrow(/checksum/);
      await writeFile(path.join(tampered, 'manifest.json'), JSON.stringify({ schema: 'vigil.image-head/1' }));
      await expect(loadImageHead(tampered)).rejects.toThrow(/manifest\.json/);
    } finally {
      await rm(tampered, { recursive: true, force: true });
    }
  });
});

describe('classMass', () => {
  it('is the softmax mass of the listed class ranges', () => {
    const logits = Float32Array.from([0, Math.log(3), 0, 0]); // softmax = [1, 3, 1, 1] / 6
    expect(classMass(logits, [[1, 1]])).toBeCloseTo(0.5, 6);
    expect(
      classMass(logits, [
        [0, 0],
        [2, 3],
      ]),
    ).toBeCloseTo(0.5, 6);
    expect(classMass(logits, [[0, 3]])).toBeCloseTo(1, 6);
    expect(classMass(logits, [[9, 12]])).toBe(0);
  });
});
