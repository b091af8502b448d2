/** What the HTTP benchmarks share: command-line options, a free port, and wrk runs parsed into numbers. */

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { deflateSync } from 'node:zlib';

/** `--name value` from argv, or the fallback. */
export function option(
  name: string,
  fallback: string,
  args: readonly string[] = process.argv.slice(2),
): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? (args[i + 1] as string) : fallback;
}

/** Exits with a clear message when wrk is missing (it is a benchmark tool, not a test dependency). */
export function requireWrk(): void {
  if (spawnSync('wrk', ['--version']).error) {
    console.error('wrk is required: apt-get install -y wrk');
    process.exit(2);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

export interface WrkResult {
  rps: number;
  p50: string;
  p99: string;
  non2xx: number;
  /** Requests wrk counted as completed: the measured run, and the warm-up before it. */
  requests: number;
  warmupRequests: number;
}

/** A warm-up run, then a measured `wrk -t2 --latency` run against `url` (with a Lua script for POSTs). */
export function runWrk(
  url: string,
  opts: { connections: number; seconds: number; warmupSeconds: number; script?: string; threads?: number },
): WrkResult {
  const script = opts.script ? ['-s', opts.script] : [];
  const threads = `-t${opts.threads ?? 2}`;
  const warmup = spawnSync(
    'wrk',
    [threads, `-c${opts.connections}`, `-d${opts.warmupSeconds}s`, ...script, url],
    {
      encoding: 'utf8',
    },
  ).stdout;
  const out = spawnSync(
    'wrk',
    [threads, `-c${opts.connections}`, `-d${opts.seconds}s`, '--latency', ...script, url],
    {
      encoding: 'utf8',
    },
  ).stdout;
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? Number.NaN),
    p50: /\s50%\s+(\S+)/.exec(out)?.[1] ?? '?',
    p99: /\s99%\s+(\S+)/.exec(out)?.[1] ?? '?',
    non2xx: Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0),
    requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? Number.NaN),
    warmupRequests: Number(/(\d+) requests in/.exec(warmup)?.[1] ?? Number.NaN),
  };
}

/**
 * Sum of a metric's series in a Prometheus exposition whose labels include every given `name="value"`
 * pair, e.g. a histogram's `_bucket` at one `le` over every status of a route.
 */
export function metricSum(exposition: string, name: string, labels: Record<string, string>): number {
  let total = 0;
  for (const line of exposition.split('\n')) {
    const match = /^(\S+?)\{(.*)\} (\S+)$/.exec(line);
    if (match?.[1] !== name || match[2] === undefined || match[3] === undefined) continue;
    const series = match[2];
    if (Object.entries(labels).every(([k, v]) => series.includes(`${k}="${v}"`))) total += Number(match[3]);
  }
  return total;
}

/** A wrk latency figure ("6.44ms", "850.12us", "1.02s") in milliseconds; NaN when unreadable. */
export function wrkMs(figure: string | undefined): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(figure ?? '');
  if (!match) return Number.NaN;
  const scale: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };
  return Number(match[1]) * (scale[match[2]!] ?? Number.NaN);
}

/** A wrk Lua script that POSTs `body` as JSON with an API key (or, given headers, with those). */
export async function writePostScript(
  file: string,
  body: unknown,
  auth: string | Record<string, string>,
): Promise<string> {
  const headers = typeof auth === 'string' ? { 'X-API-Key': auth } : auth;
  await writeFile(
    file,
    [
      'wrk.method = "POST"',
      `wrk.body = ${JSON.stringify(JSON.stringify(body))}`,
      'wrk.headers["Content-Type"] = "application/json"',
      ...Object.entries(headers).map(
        ([name, value]) => `wrk.headers[${JSON.stringify(name)}] = ${JSON.stringify(value)}`,
      ),
    ].join('\n'),
  );
  return file;
}

export interface StartedFunction {
  child: ChildProcess;
  /** Spawn → first successful answer to the probe request. */
  coldStartMs: number;
}

/**
 * Spawns `node dist/server/serve.js <name>` (the deployment's entry) with an API key and a rate limit
 * that never binds, and waits for `probe` (a POST) to answer 200.
 */
export async function startFunctionServer(options: {
  name: string;
  port: number;
  dataDir: string;
  apiKey: string;
  /** JSON, or raw bytes with `contentType`. */
  probe: { path: string; body: unknown; contentType?: string };
  nodeFlags?: string[];
  env?: Record<string, string>;
}): Promise<StartedFunction> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [...(options.nodeFlags ?? []), 'dist/server/serve.js', options.name],
    {
      env: {
        ...process.env,
        PORT: String(options.port),
        VIGIL_DATA_DIR: options.dataDir,
        VIGIL_LOG_LEVEL: 'ERROR',
        VIGIL_BOOTSTRAP_API_KEY: options.apiKey,
        VIGIL_RATE_LIMIT_PER_MINUTE: '1000000',
        VIGIL_RATE_LIMIT_BURST: '1000000',
        ...options.env,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const url = `http://127.0.0.1:${options.port}${options.probe.path}`;
  for (let i = 0; i < 6000; i++) {
    if (child.exitCode !== null)
      throw new Error(`the ${options.name} function exited with ${child.exitCode}`);
    try {
      const { contentType } = options.probe;
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': contentType ?? 'application/json', 'x-api-key': options.apiKey },
        body: contentType
          ? new Uint8Array(options.probe.body as Uint8Array)
          : JSON.stringify(options.probe.body),
      });
      if (res.ok) return { child, coldStartMs: performance.now() - started };
    } catch {
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  throw new Error(`the ${options.name} function did not answer ${options.probe.path} within the wait`);
}

export async function stopFunctionServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

function crc32(bytes: Buffer): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/**
 * A decompression bomb: a valid PNG header declaring `width × height` 1-bit grey pixels whose IDAT holds
 * the first `rows` rows of zeros (a real bomb would carry all of them; the header alone is what a safe
 * decoder must refuse). A few hundred bytes on the wire. Used by the vision tests and benchmark.
 */
export function bombPng(width: number, height: number, rows = 64): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // greyscale
  const scanline = 1 + Math.ceil(width / 8);
  const idat = deflateSync(Buffer.alloc(scanline * rows), { level: 9 });
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', idat),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * This machine's speed right now: milliseconds to SHA-256 48 MiB on one thread (OpenSSL), the median
 * of five rounds after three warm-up rounds. The benches print it beside their figures: when it moves,
 * the machine changed, not the code. The reverse does not hold — throughput here drifts by ±20% at an
 * unchanged calibration (BENCHMARKS.md). (A JavaScript workload was tried first: its time differed by
 * 50% between processes with address-space randomisation alone.)
 */
export function cpuCalibrationMs(): number {
  const block = Buffer.alloc(1 << 20, 7);
  const times: number[] = [];
  for (let round = 0; round < 8; round++) {
    const started = performance.now();
    for (let i = 0; i < 48; i++) createHash('sha256').update(block).digest();
    times.push(performance.now() - started);
  }
  return times.slice(3).sort((a, b) => a - b)[2] as number;
}

/** This machine's CPU time counters (the `cpu` line of /proc/stat, in ticks); undefined off Linux. */
export function cpuTimes(): number[] | undefined {
  try {
    return (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  } catch {
    return undefined;
  }
}

/**
 * The share of CPU time between two `cpuTimes()` readings that the hypervisor gave to someone else
 * ("steal": this VM wanted to run and could not). Printed by the benches beside the calibration: a
 * slow run with steal above a few percent had less machine, not slower code.
 */
export function stealShare(before: number[] | undefined, after: number[] | undefined): number | undefined {
  if (!before || !after) return undefined;
  // user, nice, system, idle, iowait, irq, softirq, steal
  const delta = after.slice(0, 8).map((v, i) => v - (before[i] ?? 0));
  const total = delta.reduce((a, b) => a + b, 0);
  return total > 0 ? (delta[7] ?? 0) / total : undefined;
}

/** `stealShare` as text for the benches' summary lines. */
export function describeSteal(share: number | undefined): string {
  return share === undefined
    ? 'host steal: not measured (no /proc/stat)'
    : `host steal ${(share * 100).toFixed(1)}% of CPU time`;
}
