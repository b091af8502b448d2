/** A trained linear text model: IDF + weights over hashed features, split into output heads. */

/** One output of a model: independent sigmoids (multi-label) or one softmax (multi-class). */
export interface LinearHead {
  readonly name: string;
  readonly activation: 'sigmoid' | 'softmax';
  readonly labels: readonly string[];
}

/**
 * The numbers a linear text model is made of. `weights` is row-major `[buckets, outputs]`, where
 * `outputs` is the heads' label counts summed, heads in order — so one Gather of a feature's row
 * yields its weight for every label at once.
 */
export interface LinearTextModel {
  readonly buckets: number;
  readonly idf: Float32Array;
  readonly weights: Float32Array;
  readonly bias: Float32Array;
  readonly heads: readonly LinearHead[];
  /** When > 0, indices below it and from it on are two blocks, each L2-normalised on its own. */
  readonly blockSplit?: number;
}

/** A document as hashed features: unique bucket indices and their (sublinear) term frequencies. */
export interface SparseDoc {
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

export function outputCount(heads: readonly LinearHead[]): number {
  return heads.reduce((sum, head) => sum + head.labels.length, 0);
}

/**
 * Scales a document's tf by IDF and L2-normalises it, as the ONNX graph does. Returns weights in
 * float64; an empty document stays all zeros.
 */
export function tfidf(doc: SparseDoc, idf: Float32Array, split = 0): Float64Array {
  const x = new Float64Array(doc.values.length);
  const inSecond = (k: number) => split > 0 && (doc.indices[k] as number) >= split;
  let first = 0;
  let second = 0;
  for (let k = 0; k < x.length; k++) {
    const v = (doc.values[k] as number) * (idf[doc.indices[k] as number] as number);
    x[k] = v;
    if (inSecond(k)) second += v * v;
    else first += v * v;
  }
  const firstScale = 1 / Math.max(Math.sqrt(first), 1e-12);
  const secondScale = 1 / Math.max(Math.sqrt(second), 1e-12);
  for (let k = 0; k < x.length; k++) x[k] = (x[k] as number) * (inSecond(k) ? secondScale : firstScale);
  return x;
}

/** Raw scores (logits) of one document for every output. */
export function linearLogits(model: LinearTextModel, doc: SparseDoc): Float64Array {
  const outputs = model.bias.length;
  const logits = Float64Array.from(model.bias);
  const x = tfidf(doc, model.idf, model.blockSplit);
  for (let k = 0; k < x.length; k++) {
    const row = (doc.indices[k] as number) * outputs;
    const xk = x[k] as number;
    for (let j = 0; j < outputs; j++)
      logits[j] = (logits[j] as number) + xk * (model.weights[row + j] as number);
  }
  return logits;
}

/** Probabilities of one document per head, computed in float64: the reference the ONNX export must match. */
export function scoreLinear(model: LinearTextModel, doc: SparseDoc): Record<string, Float64Array> {
  const logits = linearLogits(model, doc);
  const result: Record<string, Float64Array> = {};
  let offset = 0;
  for (const head of model.heads) {
    const z = logits.subarray(offset, offset + head.labels.length);
    result[head.name] = head.activation === 'sigmoid' ? z.map(sigmoid) : softmax(z);
    offset += head.labels.length;
  }
  return result;
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

export function softmax(z: Float64Array): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (const v of z) max = Math.max(max, v);
  const out = z.map((v) => Math.exp(v - max));
  const sum = out.reduce((a, b) => a + b, 0);
  return out.map((v) => v / sum);
}
