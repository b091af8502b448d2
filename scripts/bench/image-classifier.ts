/**
 * Speed of the image classifier, in process and as deployed (`node dist/server/serve.js image-classifier`,
 * auth on, predictions stored in the embedded store):
 *   1. decode + resize of a 1000×800 JPEG with sharp (target ≈ 6 ms);
 *   2. MobileNetV2 int8 per 224² image at batch 1 and 16 (target ≈ 2.3 ms on 2 threads);
 *   3. `POST /api/predict` latency for that JPEG, one request at a time (target p50 < 15 ms);
 *   4. one `/api/predict/batch` of 16 images vs 16 single calls (the batch must be faster per image);
 *   5. rejection time of a decompression bomb (50,000 × 50,000 PNG header);
 *   6. throughput under concurrency (wrk, raw JPEG bodies).
 * Usage: node dist/scripts/bench/image-classifier.js [--requests 300 --batch-runs 30 --duration 10 --connections 8]
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { loadPlatformConfig } from '../../shared/runtime/config.js';
import { loadBackbone } from '../../shared/vision/backbone.js';
import { backboneSpec } from '../../shared/vision/backbones.js';
import { decodeForModel } from '../../shared/vision/decode.js';
import { tensorLength, writeTensor } from '../../shared/vision/preprocess.js';
import { REPO_ROOT } from '../text/paths.js';
import {
  bombPng,
  freePort,
  option,
  requireWrk,
  runWrk,
  startFunctionServer,
  stopFunctionServer,
} from './support.js';

const requests = Number(option('requests', '300'));
const batchRuns = Number(option('batch-runs', '30'));
const duration = Number(option('duration', '10'));
const connections = Number(option('connections', '8'));
const KEY = 'bench-bootstrap-key-0123456789abcdefghijklmnopqrstuvwxyz';
const LIMITS = { maxBytes: 10 * 2 ** 20, maxPixels: 25_000_000 };

requireWrk();

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
};
const fmt = (ms: number) => `${ms.toFixed(2)} ms`;

// A real photo upscaled to 1000×800 when the cats-vs-dogs set is beside the repo, else Gaussian noise.
const photo = path.resolve(REPO_ROOT, '../shared/data/cats-vs-dogs/test/cat/cat.4001.jpg');
const source = existsSync(photo)
  ? sharp(await readFile(photo))
  : sharp({
      create: {
        width: 1000,
        height: 800,
        channels: 3,
        background: '#808080',
        noise: { type: 'gaussian', mean: 128, sigma: 40 },
      },
    });
const jpeg = await source.resize(1000, 800, { fit: 'fill' }).jpeg({ quality: 90 }).toBuffer();
console.log(
  `input: 1000×800 JPEG, ${jpeg.length} bytes (${existsSync(photo) ? 'cat.4001.jpg upscaled' : 'noise'})`,
);

// 1–2. In process.
const config = loadPlatformConfig({ ...process.env, VIGIL_MODELS_DIR: path.join(REPO_ROOT, 'models') });
const spec = await backboneSpec(config.modelsDir, 'mobilenetv2-12-int8');
const backbone = await loadBackbone(path.resolve(REPO_ROOT, config.modelCacheDir), spec);
const decodeMs: number[] = [];
let decoded = await decodeForModel(jpeg, LIMITS, spec.preprocess);
for (let i = 0; i < 220; i++) {
  const t = performance.now();
  decoded = await decodeForModel(jpeg, LIMITS, spec.preprocess);
  if (i >= 20) decodeMs.push(performance.now() - t);
}
const per = tensorLength(spec.preprocess);
const pixels = new Float32Array(16 * per);
for (let i = 0; i < 16; i++) writeTensor(decoded.rgb, spec.preprocess, pixels, i * per);
const inferMs: Record<number, number[]> = { 1: [], 16: [] };
for (const n of [1, 16]) {
  for (let i = 0; i < 10; i++) await backbone.run(pixels, n);
  for (let i = 0; i < (n === 1 ? 200 : 40); i++) {
    const t = performance.now();
    await backbone.run(pixels, n);
    inferMs[n]!.push((performance.now() - t) / n);
  }
}
await backbone.close();
console.log(
  `decode + resize 1000×800 JPEG → 224² RGB: p50 ${fmt(quantile(decodeMs, 0.5))}, p90 ${fmt(quantile(decodeMs, 0.9))}`,
);
console.log(
  `backbone per image: batch 1 p50 ${fmt(quantile(inferMs[1]!, 0.5))}; batch 16 p50 ${fmt(quantile(inferMs[16]!, 0.5))} per image`,
);

// 3–6. As deployed.
const dataDir = await mkdtemp(path.join(tmpdir(), 'vigil-bench-image-'));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const { child, coldStartMs } = await startFunctionServer({
  name: 'image-classifier',
  port,
  dataDir,
  apiKey: KEY,
  probe: { path: '/api/predict', body: jpeg, contentType: 'image/jpeg' },
  env: {
    VIGIL_MODEL_CACHE_DIR: path.resolve(REPO_ROOT, config.modelCacheDir),
    VIGIL_MODELS_DIR: config.modelsDir,
  },
});
try {
  console.log(`cold start (spawn → first prediction answered): ${coldStartMs.toFixed(0)} ms`);
  const single = async () => {
    const t = performance.now();
    const res = await fetch(`${base}/api/predict`, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg', 'x-api-key': KEY },
      body: jpeg,
    });
    const body = (await res.json()) as { inference_time_ms: number };
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return { client: performance.now() - t, server: body.inference_time_ms };
  };
  for (let i = 0; i < 20; i++) await single();
  const client: number[] = [];
  const server: number[] = [];
  for (let i = 0; i < requests; i++) {
    const r = await single();
    client.push(r.client);
    server.push(r.server);
  }
  console.log(
    `POST /api/predict (one at a time, ${requests}): client p50 ${fmt(quantile(client, 0.5))}, p90 ${fmt(quantile(client, 0.9))}, p99 ${fmt(quantile(client, 0.99))}; server inference_time_ms p50 ${fmt(quantile(server, 0.5))}  [target p50 < 15 ms]`,
  );

  const form = () => {
    const f = new FormData();
    for (let i = 0; i < 16; i++) f.append('files', new Blob([jpeg], { type: 'image/jpeg' }), `${i}.jpg`);
    return f;
  };
  const batchMs: number[] = [];
  const sixteenMs: number[] = [];
  for (let run = 0; run < batchRuns + 3; run++) {
    let t = performance.now();
    const res = await fetch(`${base}/api/predict/batch`, {
      method: 'POST',
      headers: { 'x-api-key': KEY },
      body: form(),
    });
    if (!res.ok) throw new Error(`batch HTTP ${res.status}`);
    await res.json();
    const b = performance.now() - t;
    t = performance.now();
    for (let i = 0; i < 16; i++) await single();
    const s = performance.now() - t;
    if (run >= 3) {
      batchMs.push(b);
      sixteenMs.push(s);
    }
  }
  const b50 = quantile(batchMs, 0.5);
  const s50 = quantile(sixteenMs, 0.5);
  console.log(
    `16 images: one batch request p50 ${fmt(b50)} (${fmt(b50 / 16)} per image) vs 16 single calls p50 ${fmt(s50)} (${fmt(s50 / 16)} per image) → batch ${(s50 / b50).toFixed(2)}× faster`,
  );

  const bomb = bombPng(50_000, 50_000);
  const bombMs: number[] = [];
  for (let i = 0; i < 120; i++) {
    const t = performance.now();
    const res = await fetch(`${base}/api/predict`, {
      method: 'POST',
      headers: { 'content-type': 'image/png', 'x-api-key': KEY },
      body: new Uint8Array(bomb),
    });
    await res.text();
    if (res.status !== 413) throw new Error(`bomb got HTTP ${res.status}`);
    if (i >= 20) bombMs.push(performance.now() - t);
  }
  console.log(
    `decompression bomb (${bomb.length}-byte PNG declaring 50,000×50,000) → 413 in p50 ${fmt(quantile(bombMs, 0.5))}, max ${fmt(Math.max(...bombMs))}`,
  );

  const jpegFile = path.join(dataDir, 'bench.jpg');
  await writeFile(jpegFile, jpeg);
  const script = path.join(dataDir, 'post-jpeg.lua');
  await writeFile(
    script,
    [
      'wrk.method = "POST"',
      `local f = io.open(${JSON.stringify(jpegFile)}, "rb")`,
      'wrk.body = f:read("*a")',
      'f:close()',
      'wrk.headers["Content-Type"] = "image/jpeg"',
      `wrk.headers["X-API-Key"] = ${JSON.stringify(KEY)}`,
    ].join('\n'),
  );
  const load = runWrk(`${base}/api/predict`, { connections, seconds: duration, warmupSeconds: 3, script });
  console.log(
    `wrk -c${connections} ${duration}s POST /api/predict: ${load.rps.toFixed(0)} req/s, p50 ${load.p50}, p99 ${load.p99}, non-2xx ${load.non2xx}`,
  );
} finally {
  await stopFunctionServer(child);
  await rm(dataDir, { recursive: true, force: true });
}
