/** Loads and runs exported linear text models with onnxruntime-node: cached sessions, padded batches, one run. */
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { createOnnxSession } from '../inference/onnx-session.js';
import type { LinearHead, SparseDoc } from './linear-model.js';

export interface OnnxSessionCache {
  load(path: string): Promise<ort.InferenceSession>;
  /** Releases every cached session; sessions handed out before are unusable afterwards. */
  clear(): Promise<void>;
}

// One thread per request: services scale out by instances, and a thread pool per session would oversubscribe.
const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
};

export function createOnnxSessionCache(): OnnxSessionCache {
  const sessions = new Map<string, Promise<ort.InferenceSession>>();
  return {
    load(path) {
      const key = resolve(path);
      let session = sessions.get(key);
      if (!session) {
        // Memoizing the promise makes concurrent first requests share one load.
        const loading = createOnnxSession(key, SESSION_OPTIONS);
        // A failed load is forgotten so a later request retries (e.g. once the model file has been written).
        loading.catch(() => sessions.get(key) === loading && sessions.delete(key));
        sessions.set(key, loading);
        session = loading;
      }
      return session;
    },
    async clear() {
      const pending = [...sessions.values()];
      sessions.clear();
      const settled = await Promise.allSettled(pending);
      await Promise.all(settled.map((s) => (s.status === 'fulfilled' ? s.value.release() : undefined)));
    },
  };
}

export interface PackedBatch {
  indices: BigInt64Array;
  values: Float32Array;
  batch: number;
  width: number;
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** Pads docs to the longest one with index 0 / value 0, which contributes nothing to the tf-idf. */
export function packBatch(docs: readonly SparseDoc[]): PackedBatch {
  const width = docs.reduce((max, doc) => Math.max(max, doc.indices.length), 1);
  const indices = new BigInt64Array(docs.length * width);
  // int64 written as two little-endian int32 halves: a BigInt per feature would allocate ~15k heap
  // objects per batch of 64 comments and keep the young generation collecting. Indices are < 2^24.
  const halves = new Int32Array(indices.buffer);
  const values = new Float32Array(docs.length * width);
  for (const [d, doc] of docs.entries()) {
    if (doc.values.length !== doc.indices.length)
      throw new Error(`Doc ${d} has ${doc.indices.length} indices but ${doc.values.length} values`);
    for (let k = 0; k < doc.indices.length; k++) {
      const index = doc.indices[k] as number;
      // Gather wraps negative indices around instead of failing, which would silently score the wrong feature.
      if (index < 0) throw new Error(`Doc ${d} has negative feature index ${index}`);
      if (LITTLE_ENDIAN) halves[2 * (d * width + k)] = index;
      else indices[d * width + k] = BigInt(index);
    }
    values.set(doc.values, d * width);
  }
  return { indices, values, batch: docs.length, width };
}

/** Scores docs in one run; per head, one Float32Array of label probabilities per doc, in doc order. */
export async function runLinearTextModel(
  session: ort.InferenceSession,
  heads: readonly LinearHead[],
  docs: readonly SparseDoc[],
): Promise<Record<string, Float32Array[]>> {
  const missing = [
    ...['indices', 'values'].filter((name) => !session.inputNames.includes(name)).map((n) => `input "${n}"`),
    ...heads.filter((h) => !session.outputNames.includes(h.name)).map((h) => `output "${h.name}"`),
  ];
  if (missing.length > 0) throw new Error(`ONNX model lacks ${missing.join(', ')}`);
  if (docs.length === 0) return Object.fromEntries(heads.map((head) => [head.name, []]));

  const { indices, values, batch, width } = packBatch(docs);
  const outputs = await session.run(
    {
      indices: new ort.Tensor('int64', indices, [batch, width]),
      values: new ort.Tensor('float32', values, [batch, width]),
    },
    heads.map((head) => head.name),
  );
  const result: Record<string, Float32Array[]> = {};
  for (const head of heads) {
    const tensor = outputs[head.name];
    const n = head.labels.length;
    if (tensor?.type !== 'float32' || tensor.dims.join() !== `${batch},${n}`)
      throw new Error(
        `ONNX output "${head.name}" is ${tensor?.type} [${tensor?.dims}], expected float32 [${batch},${n}]`,
      );
    const data = tensor.data as Float32Array;
    // Copies, so a caller keeping one doc's scores does not pin the whole batch's buffer.
    result[head.name] = Array.from({ length: batch }, (_, d) => data.slice(d * n, (d + 1) * n));
  }
  return result;
}
