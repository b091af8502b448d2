/** The ONNX export of linear text models must score exactly like the float64 reference, through the runtime helpers. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../shared/ml/random.js';
import {
  type LinearHead,
  type LinearTextModel,
  type SparseDoc,
  scoreLinear,
} from '../../shared/text/linear-model.js';
import { exportLinearTextModel, HEADS_METADATA_KEY } from '../../shared/text/onnx-export.js';
import { createOnnxSessionCache, packBatch, runLinearTextModel } from '../../shared/text/onnx-runtime.js';

const { onnx } = onnxProto;

/** A bucket whose idf is 0, like a term seen in every training doc. */
const zeroIdfBucket = (buckets: number) => Math.floor(buckets / 3);

function randomModel(buckets: number, heads: LinearHead[], seed: number): LinearTextModel {
  const rand = mulberry32(seed);
  const outputs = heads.reduce((n, head) => n + head.labels.length, 0);
  const uniform = (n: number, lo: number, hi: number) =>
    Float32Array.from({ length: n }, () => lo + (hi - lo) * rand());
  const idf = uniform(buckets, 0.5, 9);
  idf[zeroIdfBucket(buckets)] = 0;
  // Wide weights so probabilities span saturated and uncertain values alike.
  return { buckets, idf, weights: uniform(buckets * outputs, -4, 4), bias: uniform(outputs, -1, 1), heads };
}

function randomDoc(rand: () => number, buckets: number, nnz: number): SparseDoc {
  const set = new Set<number>();
  while (set.size < nnz) set.add(Math.floor(rand() * buckets));
  const indices = Int32Array.from([...set].sort((a, b) => a - b));
  return { indices, values: Float32Array.from(indices, () => 1 + Math.log(1 + Math.floor(rand() * 5))) };
}

/** Random docs plus edge cases: empty, only an idf-0 feature, the first and last buckets, a tiny tf. */
function docsFor(model: LinearTextModel, seed: number, count: number, maxNnz: number): SparseDoc[] {
  const rand = mulberry32(seed);
  const docs = Array.from({ length: count }, () =>
    randomDoc(rand, model.buckets, Math.floor(rand() * maxNnz) + 1),
  );
  docs.push(
    { indices: new Int32Array(0), values: new Float32Array(0) },
    { indices: Int32Array.of(zeroIdfBucket(model.buckets)), values: Float32Array.of(2) },
    { indices: Int32Array.of(0, model.buckets - 1), values: Float32Array.of(1, 1.5) },
    // Tiny but non-zero: must still normalise to unit length, not be swallowed by the norm's floor.
    { indices: Int32Array.of(5), values: Float32Array.of(1e-6) },
  );
  return docs;
}

const tmp = await mkdtemp(join(tmpdir(), 'vigil-onnx-'));
const cache = createOnnxSessionCache();
afterAll(async () => {
  await cache.clear();
  await rm(tmp, { recursive: true, force: true });
});

async function exportAndLoad(model: LinearTextModel, file: string) {
  const path = join(tmp, file);
  await writeFile(path, exportLinearTextModel(model));
  return cache.load(path);
}

async function expectMatchesReference(model: LinearTextModel, docs: SparseDoc[], file: string) {
  const session = await exportAndLoad(model, file);
  const scores = await runLinearTextModel(session, model.heads, docs);
  let compared = 0;
  for (const [d, doc] of docs.entries()) {
    const reference = scoreLinear(model, doc);
    for (const head of model.heads) {
      const got = scores[head.name]?.[d];
      const want = reference[head.name];
      expect(got?.length, `${head.name} doc ${d}`).toBe(head.labels.length);
      for (let j = 0; j < head.labels.length; j++) {
        const diff = Math.abs((got?.[j] ?? Number.NaN) - (want?.[j] ?? Number.NaN));
        expect(diff, `${head.name}[${j}] doc ${d}`).toBeLessThanOrEqual(1e-5);
        compared++;
      }
    }
  }
  expect(compared).toBe(docs.length * model.bias.length);
}

const toxicity: LinearHead[] = [
  {
    name: 'toxicity',
    activation: 'sigmoid',
    labels: ['toxic', 'severe', 'obscene', 'threat', 'insult', 'identity'],
  },
];
const hateful: LinearHead[] = [
  { name: 'hateful', activation: 'sigmoid', labels: ['hateful'] },
  { name: 'davidson', activation: 'softmax', labels: ['hate', 'offensive', 'neither'] },
];

describe('exportLinearTextModel', () => {
  it('matches scoreLinear for a multi-label sigmoid head', async () => {
    const model = randomModel(2 ** 12, toxicity, 1);
    await expectMatchesReference(model, docsFor(model, 2, 40, 120), 'toxicity.onnx');
  });

  it('matches scoreLinear for a sigmoid head followed by a softmax head', async () => {
    const model = randomModel(2 ** 12, hateful, 3);
    const docs = docsFor(model, 4, 40, 200);
    await expectMatchesReference(model, docs, 'hateful.onnx');
    const session = await cache.load(join(tmp, 'hateful.onnx'));
    const { davidson = [] } = await runLinearTextModel(session, model.heads, docs);
    expect(davidson).toHaveLength(docs.length);
    for (const probs of davidson) expect(probs.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 5);
  });

  it('matches scoreLinear when words and characters are normalised as two blocks', async () => {
    const model = { ...randomModel(2 ** 12, hateful, 4), blockSplit: 2 ** 11 };
    const docs = docsFor(model, 5, 40, 200);
    await expectMatchesReference(model, docs, 'blocks.onnx');
    // The split must change scores, or this test would pass with the block graph missing.
    const joint = scoreLinear({ ...model, blockSplit: 0 }, docs[0] as SparseDoc);
    const blocks = scoreLinear(model, docs[0] as SparseDoc);
    expect(Math.abs((joint.hateful?.[0] ?? 0) - (blocks.hateful?.[0] ?? 0))).toBeGreaterThan(1e-4);
  });

  it('matches scoreLinear at 2^18 buckets × 6 outputs', async () => {
    const model = randomModel(2 ** 18, toxicity, 6);
    await expectMatchesReference(model, docsFor(model, 7, 64, 400), 'large.onnx');
  });

  it('scores a batch of only empty docs as the bias alone', async () => {
    const model = randomModel(2 ** 12, hateful, 8);
    const empty = { indices: new Int32Array(0), values: new Float32Array(0) };
    await expectMatchesReference(model, [empty, empty], 'empty.onnx');
  });

  it('writes a decodable ModelProto that describes its heads', () => {
    const model = randomModel(2 ** 12, hateful, 9);
    const bytes = exportLinearTextModel(model, { producerVersion: '1.2.3', docString: 'test model' });
    const decoded = onnx.ModelProto.toObject(onnx.ModelProto.decode(bytes), { longs: Number });
    expect(decoded.irVersion).toBe(8);
    expect(decoded.opsetImport).toEqual([{ domain: '', version: 17 }]);
    expect(decoded.producerVersion).toBe('1.2.3');
    expect(decoded.docString).toBe('test model');
    const metadata = decoded.metadataProps.find((p: { key: string }) => p.key === HEADS_METADATA_KEY);
    expect(JSON.parse(metadata.value)).toEqual(hateful);
    expect(decoded.graph.input.map((i: { name: string }) => i.name)).toEqual(['indices', 'values']);
    expect(decoded.graph.output.map((o: { name: string }) => o.name)).toEqual(['hateful', 'davidson']);
    // One table of rows [idf, weights…] (4 outputs: hateful + davidson's three).
    const table = decoded.graph.initializer.find((t: { name: string }) => t.name === 'table');
    expect(table.dims).toEqual([2 ** 12, 5]);
    const rows = new Float32Array(new Uint8Array(table.rawData).buffer);
    for (const b of [0, 1, 777, 2 ** 12 - 1]) {
      expect(rows[b * 5]).toBe(model.idf[b]);
      expect(rows.subarray(b * 5 + 1, b * 5 + 5)).toEqual(model.weights.subarray(b * 4, b * 4 + 4));
    }
  });

  it('rejects a model whose arrays do not fit its heads', () => {
    const model = randomModel(2 ** 12, toxicity, 10);
    expect(() => exportLinearTextModel({ ...model, bias: model.bias.subarray(1) })).toThrow(/bias length 5/);
    expect(() => exportLinearTextModel({ ...model, heads: [...toxicity, ...toxicity] })).toThrow(/duplicate/);
  });
});

describe('onnx runtime helpers', () => {
  it('memoizes one session per path', async () => {
    const path = join(tmp, 'memo.onnx');
    await writeFile(path, exportLinearTextModel(randomModel(2 ** 12, toxicity, 11)));
    const [a, b] = await Promise.all([cache.load(path), cache.load(path)]);
    expect(a).toBe(b);
    expect(await cache.load(join(tmp, '.', 'memo.onnx'))).toBe(a);
  });

  it('evicts a failed load so the next one retries', async () => {
    const path = join(tmp, 'late.onnx');
    await expect(cache.load(path)).rejects.toThrow();
    await writeFile(path, exportLinearTextModel(randomModel(2 ** 12, toxicity, 12)));
    const session = await cache.load(path);
    expect(session.outputNames).toEqual(['toxicity']);
  });

  it('names the heads a model lacks before running', async () => {
    const model = randomModel(2 ** 12, toxicity, 13);
    const session = await exportAndLoad(model, 'lacks.onnx');
    const docs = docsFor(model, 14, 2, 10);
    await expect(runLinearTextModel(session, [...toxicity, ...hateful], docs)).rejects.toThrow(
      /output "hateful", output "davidson"/,
    );
    expect(await runLinearTextModel(session, model.heads, [])).toEqual({ toxicity: [] });
  });

  it('packs docs padded with zeros to the longest one', () => {
    const packed = packBatch([
      { indices: Int32Array.of(3, 7), values: Float32Array.of(0.5, 1.5) },
      { indices: new Int32Array(0), values: new Float32Array(0) },
      { indices: Int32Array.of(1, 2, 9), values: Float32Array.of(1, 2, 3) },
    ]);
    expect(packed.batch).toBe(3);
    expect(packed.width).toBe(3);
    expect([...packed.indices]).toEqual([3n, 7n, 0n, 0n, 0n, 0n, 1n, 2n, 9n]);
    expect([...packed.values]).toEqual([0.5, 1.5, 0, 0, 0, 0, 1, 2, 3]);
    const empty = packBatch([{ indices: new Int32Array(0), values: new Float32Array(0) }]);
    expect({ width: empty.width, indices: [...empty.indices], values: [...empty.values] }).toEqual({
      width: 1,
      indices: [0n],
      values: [0],
    });
  });
});
