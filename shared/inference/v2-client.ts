/** Client for a remote text classifier behind the KServe / Open Inference Protocol V2 REST API. */
import { randomUUID } from 'node:crypto';

export interface V2ClientOptions {
  baseUrl: string;
  model: string;
  version?: string;
  timeoutMs: number;
  /** Name of the model's BYTES input tensor; defaults to `text`. */
  inputName?: string;
  /** Name of the model's probability output tensor; defaults to `probabilities`. */
  outputName?: string;
  /** Label for each position of the output's last dimension, in order. */
  labels: string[];
  /** Sent with every request, e.g. `Authorization` for an IAM-protected Cloud Run service. */
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}

export type V2ErrorKind = 'timeout' | 'http' | 'protocol' | 'network';

export class V2InferenceError extends Error {
  override readonly name = 'V2InferenceError';

  constructor(
    readonly kind: V2ErrorKind,
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface V2TextClassifier {
  readonly model: string;
  readonly version: string | undefined;
  /** True when the model answers ready; never throws, and gives up after `timeoutMs`. */
  ready(): Promise<boolean>;
  /** One infer request for the whole batch; per text, label → probability. */
  classify(texts: readonly string[]): Promise<Record<string, number>[]>;
}

const MAX_ERROR_CHARS = 200;

/**
 * Creates a classifier that scores texts on a V2 inference server, in one request per batch.
 * Options are validated here so a misconfiguration fails at startup, not on the first request.
 *
 * @example
 * const remote = createV2TextClassifier({
 *   baseUrl: 'https://bert-hate-xyz.a.run.app',
 *   model: 'hate-bert',
 *   timeoutMs: 800,
 *   labels: ['not_hate', 'hate'],
 *   headers: { Authorization: `Bearer ${idToken}` },
 * });
 * const [scores] = await remote.classify(['some text']); // { not_hate: 0.97, hate: 0.03 }
 */
export function createV2TextClassifier(options: V2ClientOptions): V2TextClassifier {
  const base = validateBaseUrl(options.baseUrl);
  requireName('model', options.model);
  if (options.version !== undefined) requireName('version', options.version);
  const inputName = options.inputName ?? 'text';
  const outputName = options.outputName ?? 'probabilities';
  requireName('inputName', inputName);
  requireName('outputName', outputName);
  const { timeoutMs } = options;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 60_000) {
    throw new Error('V2 client option timeoutMs must be an integer from 1 to 60000');
  }
  const labels = [...options.labels];
  if (labels.length === 0) throw new Error('V2 client option labels must not be empty');
  if (labels.some((label) => typeof label !== 'string' || label === '')) {
    throw new Error('V2 client option labels must be non-empty strings');
  }
  if (new Set(labels).size !== labels.length) throw new Error('V2 client option labels must be unique');

  const doFetch = options.fetch ?? fetch;
  const headers = { ...options.headers };
  const modelPath =
    `${base}/v2/models/${encodeURIComponent(options.model)}` +
    (options.version === undefined ? '' : `/versions/${encodeURIComponent(options.version)}`);

  // The abort also covers reading the body: a server that stalls mid-response must not outlive the budget.
  async function request<T>(
    path: string,
    init: RequestInit,
    read: (res: Response) => Promise<T>,
  ): Promise<T> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const res = await doFetch(`${modelPath}${path}`, { ...init, signal: controller.signal });
      return await read(res);
    } catch (error) {
      if (error instanceof V2InferenceError) throw error;
      const timedOut = controller.signal.aborted;
      const message = timedOut
        ? `V2 request timed out after ${timeoutMs} ms`
        : `V2 server unreachable: ${describeNetworkError(error)}`;
      throw new V2InferenceError(timedOut ? 'timeout' : 'network', message, undefined, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    model: options.model,
    version: options.version,

    async ready() {
      try {
        return await request('/ready', { headers }, async (res) => {
          const text = await res.text();
          // Readiness is normally the status code, but a server that says `"ready": false` in a 200 means it.
          return res.ok && !isNotReadyBody(text);
        });
      } catch {
        return false;
      }
    },

    async classify(texts) {
      if (texts.length === 0) return [];
      const n = texts.length;
      const id = randomUUID();
      const body = JSON.stringify({
        id,
        inputs: [{ name: inputName, shape: [n], datatype: 'BYTES', data: texts }],
        outputs: [{ name: outputName }],
      });
      const init: RequestInit = {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      };
      return request('/infer', init, async (res) => {
        const text = await res.text();
        if (!res.ok) {
          throw new V2InferenceError(
            'http',
            `V2 infer failed with HTTP ${res.status}: ${errorMessage(text, res)}`,
            res.status,
          );
        }
        let payload: unknown;
        try {
          payload = JSON.parse(text);
        } catch {
          throw protocol('response body is not JSON');
        }
        const rows = parseProbabilities(payload, { id, n, outputName, labelCount: labels.length });
        return rows.map((row) => Object.fromEntries(labels.map((label, j) => [label, row[j] as number])));
      });
    },
  };
}

interface Expected {
  id: string;
  n: number;
  outputName: string;
  labelCount: number;
}

function parseProbabilities(payload: unknown, { id, n, outputName, labelCount }: Expected): number[][] {
  if (!isRecord(payload)) throw protocol('response is not a JSON object');
  // A mismatched id means the answer belongs to another request (a confused proxy or batcher), so scores would be misattributed.
  if (payload.id !== undefined && payload.id !== id)
    throw protocol('response id does not match the request id');
  if (!Array.isArray(payload.outputs)) throw protocol('response has no outputs array');
  const output: unknown = payload.outputs.find((o: unknown) => isRecord(o) && o.name === outputName);
  if (!isRecord(output)) throw protocol(`response has no output named '${outputName}'`);
  const where = `output '${outputName}'`;
  if (output.datatype !== 'FP32' && output.datatype !== 'FP64') {
    throw protocol(`${where} has datatype ${JSON.stringify(output.datatype)}, expected FP32 or FP64`);
  }
  const shape = output.shape;
  if (!Array.isArray(shape) || shape.length !== 2 || shape[0] !== n || shape[1] !== labelCount) {
    throw protocol(`${where} has shape ${JSON.stringify(shape)}, expected [${n},${labelCount}]`);
  }
  const data = output.data;
  if (!Array.isArray(data)) throw protocol(`${where} has no data array`);
  // The protocol allows tensor data either flattened row-major or nested by dimension.
  const flat: unknown[] =
    data.every(Array.isArray) && data.length === n ? checkRows(data, labelCount, where) : data;
  if (flat.length !== n * labelCount) {
    throw protocol(`${where} has ${flat.length} values, expected ${n * labelCount}`);
  }
  flat.forEach((value, k) => {
    const at = `${where} value [${Math.floor(k / labelCount)},${k % labelCount}]`;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw protocol(`${at} is not a finite number`);
    if (value < 0 || value > 1) throw protocol(`${at} = ${value} is outside [0, 1]`);
  });
  const values = flat as number[];
  return Array.from({ length: n }, (_, i) => values.slice(i * labelCount, (i + 1) * labelCount));
}

function checkRows(rows: unknown[][], labelCount: number, where: string): unknown[] {
  const bad = rows.findIndex((row) => row.length !== labelCount);
  if (bad !== -1)
    throw protocol(`${where} row ${bad} has ${rows[bad]?.length} values, expected ${labelCount}`);
  return rows.flat();
}

function protocol(message: string): V2InferenceError {
  return new V2InferenceError('protocol', `V2 protocol error: ${message}`);
}

function errorMessage(body: string, res: Response): string {
  let message = body.trim() || res.statusText || 'no error message';
  try {
    const parsed: unknown = JSON.parse(body);
    if (isRecord(parsed) && typeof parsed.error === 'string') message = parsed.error;
  } catch {
    // Not JSON (e.g. a load balancer's HTML page): the raw text, truncated, is still the best clue.
  }
  return message.length > MAX_ERROR_CHARS ? `${message.slice(0, MAX_ERROR_CHARS)}…` : message;
}

function isNotReadyBody(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return isRecord(parsed) && parsed.ready === false;
  } catch {
    return false;
  }
}

function describeNetworkError(error: unknown): string {
  // undici wraps the useful part (ECONNREFUSED, ENOTFOUND…) in `cause`; its own message is just "fetch failed".
  const cause = error instanceof Error ? error.cause : undefined;
  const code = isRecord(cause) && typeof cause.code === 'string' ? cause.code : undefined;
  return code ?? (error instanceof Error ? error.message : String(error));
}

function validateBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new Error('V2 client option baseUrl must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error('V2 client option baseUrl must use http or https');
  }
  // fetch rejects URLs with credentials, and a query or fragment would end up in the middle of every path.
  if (url.username || url.password || url.search || url.hash) {
    throw new Error('V2 client option baseUrl must not contain credentials, a query or a fragment');
  }
  return url.href.replace(/\/+$/, '');
}

function requireName(option: string, value: unknown): void {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new Error(`V2 client option ${option} must be a non-empty string`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
