/** Trains linear text heads: TF-IDF over hashed n-grams, L2-regularised logistic regression by L-BFGS. */

import { mulberry32 } from '../ml/random.js';
import type { Featurizer } from './features.js';
import { type LinearHead, type LinearTextModel, outputCount, type SparseDoc, tfidf } from './linear-model.js';

/** Rows as compressed sparse rows of L2-normalised tf-idf values. */
export interface SparseMatrix {
  readonly rows: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

/**
 * What one head learns. `targets` holds, per row, `labels.length` values for a sigmoid head (0/1,
 * NaN = row not labelled for this head) or one class index for a softmax head (-1 = not labelled).
 */
export interface HeadTask extends LinearHead {
  readonly targets: Float32Array;
  /** Inverse regularisation strength, as in liblinear/sklearn (larger fits harder); one, or one per label. */
  readonly c: number | readonly number[];
  /** Softmax heads: a multinomial model by L-BFGS (default), or one-vs-rest logistic regressions. */
  readonly solver?: 'multinomial' | 'one-vs-rest';
  /** Weight of positives per label (sigmoid) or of each class (softmax); default 1. */
  readonly classWeights?: readonly number[];
  /** Blend with an NB-SVM (features scaled by naive-Bayes log-count ratios), per label; sigmoid heads only. */
  readonly naiveBayes?: boolean | readonly boolean[];
}

export interface TrainProgress {
  readonly head: string;
  readonly iteration: number;
  readonly loss: number;
  readonly gradientNorm: number;
  readonly elapsedMs: number;
  readonly rowsPerSecond: number;
}

export interface TrainOptions {
  readonly maxIterations?: number;
  /** Stop when the relative loss decrease over 5 iterations falls below this. */
  readonly tolerance?: number;
  readonly onProgress?: (progress: TrainProgress) => void;
}

/** Hashes every text once; tf values stay raw so IDF can be learned from the same pass. */
export function featurizeAll(featurizer: Featurizer, texts: readonly string[]): SparseDoc[] {
  return texts.map((text) => featurizer.featurize(text));
}

/** sklearn's smooth IDF: ln((1 + n) / (1 + df)) + 1; buckets never seen get the largest value. */
export function learnIdf(docs: readonly SparseDoc[], buckets: number): Float32Array {
  const df = new Uint32Array(buckets);
  for (const doc of docs) for (const index of doc.indices) df[index] = (df[index] as number) + 1;
  const idf = new Float32Array(buckets);
  for (let j = 0; j < buckets; j++) idf[j] = Math.log((1 + docs.length) / (1 + (df[j] as number))) + 1;
  return idf;
}

export function toMatrix(docs: readonly SparseDoc[], idf: Float32Array, split = 0): SparseMatrix {
  const indptr = new Int32Array(docs.length + 1);
  for (let i = 0; i < docs.length; i++)
    indptr[i + 1] = (indptr[i] as number) + (docs[i] as SparseDoc).indices.length;
  const nnz = indptr[docs.length] as number;
  const indices = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  for (let i = 0; i < docs.length; i++) {
    const doc = docs[i] as SparseDoc;
    values.set(tfidf(doc, idf, split), indptr[i] as number);
    indices.set(doc.indices, indptr[i] as number);
  }
  return { rows: docs.length, indptr, indices, values };
}

/** Trains every head on the same features and assembles the model the ONNX export takes. */
export function trainLinearModel(
  matrix: SparseMatrix,
  idf: Float32Array,
  tasks: readonly HeadTask[],
  options: TrainOptions & { blockSplit?: number } = {},
): LinearTextModel {
  const buckets = idf.length;
  const outputs = outputCount(tasks);
  const weights = new Float32Array(buckets * outputs);
  const bias = new Float32Array(outputs);
  let offset = 0;
  for (const task of tasks) {
    const k = task.labels.length;
    const { w, b } = trainHead(matrix, buckets, task, options);
    for (let j = 0; j < buckets; j++) {
      for (let l = 0; l < k; l++) weights[j * outputs + offset + l] = w[j * k + l] as number;
    }
    bias.set(b, offset);
    offset += k;
  }
  const heads = tasks.map(({ name, activation, labels }) => ({ name, activation, labels: [...labels] }));
  return {
    buckets,
    idf,
    weights,
    bias,
    heads,
    ...(options.blockSplit ? { blockSplit: options.blockSplit } : {}),
  };
}

interface HeadWeights {
  w: Float32Array | Float64Array;
  b: Float64Array;
}

function labelValues(value: number | readonly number[], k: number, head: string): number[] {
  const values = typeof value === 'number' ? Array<number>(k).fill(value) : [...value];
  if (values.length !== k || values.some((v) => !(v > 0)))
    throw new Error(`head "${head}": c needs ${k} positive values`);
  return values;
}

function labelFlags(value: boolean | readonly boolean[] | undefined, k: number): boolean[] {
  return typeof value === 'boolean' || value === undefined
    ? Array<boolean>(k).fill(value ?? false)
    : [...value];
}

function trainHead(
  matrix: SparseMatrix,
  buckets: number,
  task: HeadTask,
  options: TrainOptions,
): HeadWeights {
  const k = task.labels.length;
  const softmax = task.activation === 'softmax';
  if (softmax && (task.naiveBayes === true || Array.isArray(task.naiveBayes) || typeof task.c !== 'number'))
    throw new Error(`head "${task.name}": per-label c and naiveBayes apply to sigmoid heads only`);
  const expected = softmax ? matrix.rows : matrix.rows * k;
  if (task.targets.length !== expected) {
    throw new Error(`head "${task.name}": ${task.targets.length} targets for ${matrix.rows} rows × ${k}`);
  }
  const rows = labelledRows(task, matrix.rows, k);
  const size = buckets * k;
  if (softmax && task.solver === 'one-vs-rest') {
    // Each class against the rest by dual coordinate descent; the softmax over these logits decides.
    const oneHot = new Float32Array(matrix.rows * k).fill(Number.NaN);
    for (const i of rows) for (let l = 0; l < k; l++) oneHot[i * k + l] = task.targets[i] === l ? 1 : 0;
    return dualCoordinateDescent(matrix, rows, { ...task, targets: oneHot }, size, null, options);
  }
  if (softmax) {
    const objective = (theta: Float64Array, grad: Float64Array) =>
      softmaxLoss(matrix, rows, task, theta, grad, size);
    const theta = lbfgs(objective, size + k, task, rows.length, options);
    return { w: theta.slice(0, size), b: theta.slice(size) };
  }
  const trained = dualCoordinateDescent(matrix, rows, task, size, null, options);
  const blended = labelFlags(task.naiveBayes, k).flatMap((on, l) => (on ? [l] : []));
  if (blended.length === 0) return trained;
  // NB-SVM interpolation: for the chosen labels, average the plain model with one trained on
  // features scaled by naive-Bayes log-count ratios (Wang & Manning 2012).
  const sub: HeadTask = {
    ...task,
    labels: blended.map((l) => task.labels[l] as string),
    c: blended.map((l) => labelValues(task.c, k, task.name)[l] as number),
    targets: Float32Array.from({ length: matrix.rows * blended.length }, (_, i) => {
      const row = Math.floor(i / blended.length);
      return task.targets[row * k + (blended[i % blended.length] as number)] as number;
    }),
    ...(task.classWeights && { classWeights: blended.map((l) => task.classWeights?.[l] ?? 1) }),
  };
  const kb = blended.length;
  const scale = naiveBayesRatios(matrix, rows, sub, buckets);
  const nb = dualCoordinateDescent(matrix, rows, sub, buckets * kb, scale, options);
  blended.forEach((l, s) => {
    for (let j = 0; j < buckets; j++) {
      const nbWeight = (nb.w[j * kb + s] as number) * (scale[j * kb + s] as number);
      trained.w[j * k + l] = ((trained.w[j * k + l] as number) + nbWeight) / 2;
    }
    trained.b[l] = ((trained.b[l] as number) + (nb.b[s] as number)) / 2;
  });
  return trained;
}

/**
 * Dual coordinate descent for L2-regularised logistic regression (Yu, Huang & Lin 2011 — liblinear's
 * `-s 7`), run for every label of the head in one sweep: a row's features are read once for all
 * labels and written back while still in cache, which is what makes an epoch cheap. The bias is a
 * constant feature of value 1, regularised like the weights, as in liblinear.
 */
function dualCoordinateDescent(
  m: SparseMatrix,
  rows: Int32Array,
  task: HeadTask,
  size: number,
  scale: Float32Array | null,
  options: TrainOptions,
): HeadWeights {
  const k = task.labels.length;
  const epochs = options.maxIterations ?? 10;
  const tolerance = options.tolerance ?? 0.1;
  // float32 weights halve the memory traffic of the random row accesses that dominate an epoch.
  const w = new Float32Array(size);
  const b = new Float64Array(k);
  const n = rows.length;
  const costs = labelValues(task.c, k, task.name);
  // alpha[2(r·k + l)] + alpha[2(r·k + l) + 1] = C of that row and label.
  const alpha = new Float64Array(n * k * 2);
  const cost = new Float64Array(n * k);
  const sign = new Float64Array(n * k);
  const qd = new Float64Array(n * k);
  for (let r = 0; r < n; r++) {
    const i = rows[r] as number;
    for (let l = 0; l < k; l++) {
      const positive = task.targets[i * k + l] === 1;
      const c = (costs[l] as number) * (positive ? (task.classWeights?.[l] ?? 1) : 1);
      const slot = r * k + l;
      cost[slot] = c;
      sign[slot] = positive ? 1 : -1;
      alpha[2 * slot] = Math.min(0.001 * c, 1e-8);
      alpha[2 * slot + 1] = c - (alpha[2 * slot] as number);
      qd[slot] = 1;
    }
    for (let e = m.indptr[i] as number; e < (m.indptr[i + 1] as number); e++) {
      const j = (m.indices[e] as number) * k;
      const v = m.values[e] as number;
      for (let l = 0; l < k; l++) {
        const x = v * (scale ? (scale[j + l] as number) : 1);
        const slot = r * k + l;
        qd[slot] = (qd[slot] as number) + x * x;
        w[j + l] = (w[j + l] as number) + (sign[slot] as number) * (alpha[2 * slot] as number) * x;
      }
    }
    for (let l = 0; l < k; l++)
      b[l] = (b[l] as number) + (sign[r * k + l] as number) * (alpha[2 * (r * k + l)] as number);
  }
  const order = Int32Array.from({ length: n }, (_, r) => r);
  const random = mulberry32(0x5eed);
  const wx = new Float64Array(k);
  const delta = new Float64Array(k);
  const started = performance.now();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    for (let r = n - 1; r > 0; r--) {
      const pick = Math.floor(random() * (r + 1));
      const tmp = order[r] as number;
      order[r] = order[pick] as number;
      order[pick] = tmp;
    }
    let maxGradient = 0;
    let loss = 0;
    for (const r of order) {
      const i = rows[r] as number;
      const start = m.indptr[i] as number;
      const end = m.indptr[i + 1] as number;
      for (let l = 0; l < k; l++) wx[l] = b[l] as number;
      for (let e = start; e < end; e++) {
        const j = (m.indices[e] as number) * k;
        const v = m.values[e] as number;
        for (let l = 0; l < k; l++)
          wx[l] = (wx[l] as number) + v * (w[j + l] as number) * (scale ? (scale[j + l] as number) : 1);
      }
      let changed = false;
      for (let l = 0; l < k; l++) {
        const slot = r * k + l;
        const y = sign[slot] as number;
        const c = cost[slot] as number;
        const a = qd[slot] as number;
        const ywx = y * (wx[l] as number);
        loss += c * (ywx > 0 ? Math.log1p(Math.exp(-ywx)) : -ywx + Math.log1p(Math.exp(ywx)));
        // Pick the sub-variable whose Newton step is safe, then solve the 1-D problem.
        let first = 2 * slot;
        let second = 2 * slot + 1;
        let s = 1;
        if (0.5 * a * ((alpha[second] as number) - (alpha[first] as number)) + ywx < 0) {
          first = 2 * slot + 1;
          second = 2 * slot;
          s = -1;
        }
        const old = alpha[first] as number;
        let z = old;
        if (c - z < 0.5 * c) z *= 0.1;
        let gp = a * (z - old) + s * ywx + Math.log(z / (c - z));
        maxGradient = Math.max(maxGradient, Math.abs(gp));
        let inner = 0;
        for (; inner < 100 && Math.abs(gp) >= 1e-2 * Math.min(1, tolerance); inner++) {
          const next = z - gp / (a + c / (c - z) / z);
          z = next <= 0 ? z * 0.1 : next;
          gp = a * (z - old) + s * ywx + Math.log(z / (c - z));
        }
        delta[l] = 0;
        if (inner > 0) {
          alpha[first] = z;
          alpha[second] = c - z;
          delta[l] = s * (z - old) * y;
          changed = true;
        }
      }
      if (!changed) continue;
      for (let e = start; e < end; e++) {
        const j = (m.indices[e] as number) * k;
        const v = m.values[e] as number;
        for (let l = 0; l < k; l++)
          w[j + l] = (w[j + l] as number) + (delta[l] as number) * v * (scale ? (scale[j + l] as number) : 1);
      }
      for (let l = 0; l < k; l++) b[l] = (b[l] as number) + (delta[l] as number);
    }
    const elapsedMs = performance.now() - started;
    options.onProgress?.({
      head: task.name,
      iteration: epoch,
      loss,
      gradientNorm: maxGradient,
      elapsedMs,
      rowsPerSecond: (n * epoch) / (elapsedMs / 1000),
    });
    if (maxGradient < tolerance) break;
  }
  return { w, b };
}

function labelledRows(task: HeadTask, rows: number, k: number): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < rows; i++) {
    const labelled =
      task.activation === 'softmax' ? (task.targets[i] as number) >= 0 : !Number.isNaN(task.targets[i * k]);
    if (labelled) out.push(i);
  }
  return Int32Array.from(out);
}

// Log-count ratio r = log((p/|p|₁) / (q/|q|₁)) with add-one smoothing, per feature and label.
function naiveBayesRatios(
  matrix: SparseMatrix,
  rows: Int32Array,
  task: HeadTask,
  buckets: number,
): Float32Array {
  const k = task.labels.length;
  const p = new Float64Array(buckets * k).fill(1);
  const q = new Float64Array(buckets * k).fill(1);
  for (const i of rows) {
    for (let e = matrix.indptr[i] as number; e < (matrix.indptr[i + 1] as number); e++) {
      const j = (matrix.indices[e] as number) * k;
      const v = matrix.values[e] as number;
      for (let l = 0; l < k; l++) {
        if (task.targets[i * k + l] === 1) p[j + l] = (p[j + l] as number) + v;
        else q[j + l] = (q[j + l] as number) + v;
      }
    }
  }
  const ratios = new Float32Array(buckets * k);
  for (let l = 0; l < k; l++) {
    let ps = 0;
    let qs = 0;
    for (let j = 0; j < buckets; j++) {
      ps += p[j * k + l] as number;
      qs += q[j * k + l] as number;
    }
    for (let j = 0; j < buckets; j++)
      ratios[j * k + l] = Math.log((p[j * k + l] as number) / ps / ((q[j * k + l] as number) / qs));
  }
  return ratios;
}

function softmaxLoss(
  m: SparseMatrix,
  rows: Int32Array,
  task: HeadTask,
  theta: Float64Array,
  grad: Float64Array,
  size: number,
): number {
  const k = task.labels.length;
  const classWeight = task.classWeights ?? [];
  grad.fill(0);
  let loss = 0;
  const z = new Float64Array(k);
  for (const i of rows) {
    const start = m.indptr[i] as number;
    const end = m.indptr[i + 1] as number;
    const y = task.targets[i] as number;
    for (let l = 0; l < k; l++) z[l] = theta[size + l] as number;
    for (let e = start; e < end; e++) {
      const j = (m.indices[e] as number) * k;
      const v = m.values[e] as number;
      for (let l = 0; l < k; l++) z[l] = (z[l] as number) + v * (theta[j + l] as number);
    }
    let max = Number.NEGATIVE_INFINITY;
    for (let l = 0; l < k; l++) max = Math.max(max, z[l] as number);
    let sum = 0;
    for (let l = 0; l < k; l++) sum += Math.exp((z[l] as number) - max);
    const weight = (task.c as number) * (classWeight[y] ?? 1);
    loss += weight * (max + Math.log(sum) - (z[y] as number));
    for (let l = 0; l < k; l++) z[l] = weight * (Math.exp((z[l] as number) - max) / sum - (l === y ? 1 : 0));
    for (let e = start; e < end; e++) {
      const j = (m.indices[e] as number) * k;
      const v = m.values[e] as number;
      for (let l = 0; l < k; l++) grad[j + l] = (grad[j + l] as number) + v * (z[l] as number);
    }
    for (let l = 0; l < k; l++) grad[size + l] = (grad[size + l] as number) + (z[l] as number);
  }
  return loss + regularise(theta, grad, size);
}

function regularise(theta: Float64Array, grad: Float64Array, size: number): number {
  let penalty = 0;
  for (let j = 0; j < size; j++) {
    const t = theta[j] as number;
    penalty += t * t;
    grad[j] = (grad[j] as number) + t;
  }
  return penalty / 2;
}

/** Limited-memory BFGS with a backtracking Armijo line search; deterministic from a zero start. */
function lbfgs(
  objective: (theta: Float64Array, grad: Float64Array) => number,
  n: number,
  task: HeadTask,
  rows: number,
  options: TrainOptions,
): Float64Array {
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-4;
  const memory = 8;
  const started = performance.now();
  let theta = new Float64Array(n);
  let grad = new Float64Array(n);
  let loss = objective(theta, grad);
  const s: Float64Array[] = [];
  const y: Float64Array[] = [];
  const rho: number[] = [];
  const history: number[] = [loss];
  const direction = new Float64Array(n);
  const alpha = new Float64Array(memory);
  let evaluations = 1;
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    // Two-loop recursion: direction = −H·grad.
    direction.set(grad);
    for (let h = s.length - 1; h >= 0; h--) {
      const a = (rho[h] as number) * dot(s[h] as Float64Array, direction);
      alpha[h] = a;
      axpy(-a, y[h] as Float64Array, direction);
    }
    const last = s.length - 1;
    const gamma =
      last >= 0
        ? dot(s[last] as Float64Array, y[last] as Float64Array) /
          dot(y[last] as Float64Array, y[last] as Float64Array)
        : 1 / Math.sqrt(dot(grad, grad));
    for (let j = 0; j < n; j++) direction[j] = (direction[j] as number) * gamma;
    for (let h = 0; h < s.length; h++) {
      const b = (rho[h] as number) * dot(y[h] as Float64Array, direction);
      axpy((alpha[h] as number) - b, s[h] as Float64Array, direction);
    }
    for (let j = 0; j < n; j++) direction[j] = -(direction[j] as number);
    const slope = dot(grad, direction);
    if (!(slope < 0)) break;
    let step = 1;
    const next = new Float64Array(n);
    const nextGrad = new Float64Array(n);
    let nextLoss = Number.POSITIVE_INFINITY;
    for (let tries = 0; tries < 20; tries++) {
      for (let j = 0; j < n; j++) next[j] = (theta[j] as number) + step * (direction[j] as number);
      nextLoss = objective(next, nextGrad);
      evaluations++;
      if (nextLoss <= loss + 1e-4 * step * slope) break;
      step /= 2;
    }
    if (!(nextLoss < loss)) break;
    const sk = new Float64Array(n);
    const yk = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      sk[j] = (next[j] as number) - (theta[j] as number);
      yk[j] = (nextGrad[j] as number) - (grad[j] as number);
    }
    const sy = dot(sk, yk);
    if (sy > 1e-12) {
      if (s.length === memory) {
        s.shift();
        y.shift();
        rho.shift();
      }
      s.push(sk);
      y.push(yk);
      rho.push(1 / sy);
    }
    theta = next;
    grad = nextGrad;
    loss = nextLoss;
    history.push(loss);
    const elapsedMs = performance.now() - started;
    options.onProgress?.({
      head: task.name,
      iteration,
      loss,
      gradientNorm: Math.sqrt(dot(grad, grad)),
      elapsedMs,
      rowsPerSecond: (rows * evaluations) / (elapsedMs / 1000),
    });
    const before = history[history.length - 6];
    if (before !== undefined && (before - loss) / Math.max(Math.abs(loss), 1e-12) < tolerance) break;
  }
  return theta;
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let j = 0; j < a.length; j++) sum += (a[j] as number) * (b[j] as number);
  return sum;
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let j = 0; j < y.length; j++) y[j] = (y[j] as number) + a * (x[j] as number);
}
