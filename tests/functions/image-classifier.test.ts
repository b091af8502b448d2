/**
 * The image-classifier function in process on a real platform (embedded documents, local blobs, real
 * auth and the real MobileNetV2 backbone): seed 002's /api/predict, batch, limits and bad files, feedback
 * round trip and agreement metrics, retention purge, image storage policy, the page's assets.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageClassifierFunction } from '../../functions/image-classifier/module.js';
import { purgeExpired } from '../../functions/image-classifier/store.js';
import { COLLECTIONS } from '../../shared/ports/collections.js';
import type { FetchApp } from '../../shared/runtime/function.js';
import { type Reply, send, sortedKeys } from '../support/http.js';
import { startTestFunction, type TestPlatform } from '../support/platform.js';
import {
  BACKBONE_READY,
  bombPng,
  MODEL_CACHE,
  PHOTOS_READY,
  solidImage,
  testPhotos,
} from '../support/vision.js';

const BOOTSTRAP = 'bootstrap-key-from-the-operator-0123456789';
const KEY = { 'X-API-Key': BOOTSTRAP };
const DAY = 86_400_000;

interface Prediction {
  label: string;
  confidence: number;
  probabilities: Record<string, number>;
  unknown: boolean;
  model_version: string;
  inference_time_ms: number;
  prediction_id: string;
  imagenet_top5?: { index: number; label: string; probability: number }[];
}
interface ErrorBody {
  error: { code: string; message: string; requestId: string; details?: { path: string; message: string }[] };
}

const upload = (bytes: Uint8Array, name = 'image.jpg', field = 'file', form = new FormData()) => {
  form.append(field, new Blob([new Uint8Array(bytes)]), name);
  return form;
};
const predict = (app: FetchApp, bytes: Uint8Array, query = '') =>
  send<Prediction & ErrorBody>(app, `/api/predict${query}`, { multipart: upload(bytes), headers: KEY });

function expectError(reply: Reply<unknown>, status: number, code: string): ErrorBody['error'] {
  expect(reply.status).toBe(status);
  const body = reply.body as ErrorBody;
  expect(sortedKeys(body)).toEqual(['error']);
  expect(body.error.code).toBe(code);
  expect(body.error.requestId).toBeTruthy();
  return body.error;
}

describe.skipIf(!BACKBONE_READY)('image-classifier function', () => {
  let t: TestPlatform;
  let app: FetchApp;
  let grey: Buffer;

  beforeAll(async () => {
    ({ t, app } = await startTestFunction(imageClassifierFunction, {
      VIGIL_BOOTSTRAP_API_KEY: BOOTSTRAP,
      VIGIL_MODEL_CACHE_DIR: MODEL_CACHE,
      VIGIL_IMAGE_BATCH_MAX_ITEMS: '4',
    }));
    grey = await solidImage(1000, 800, 'jpeg');
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  describe('POST /api/predict', () => {
    it('answers with the seed’s fields and says "unknown" for an image that is neither', async () => {
      const res = await predict(app, grey);
      expect(res.status).toBe(200);
      expect(sortedKeys(res.body)).toEqual(
        [
          'confidence',
          'inference_time_ms',
          'label',
          'model_version',
          'prediction_id',
          'probabilities',
          'unknown',
        ].sort(),
      );
      expect(res.body).toMatchObject({
        label: 'unknown',
        unknown: true,
        model_version: 'cats-vs-dogs@1.0.0',
      });
      expect(sortedKeys(res.body.probabilities)).toEqual(['cat', 'dog']);
      expect(res.body.inference_time_ms).toBeGreaterThan(0);
      expect(res.body.prediction_id).toMatch(/^[0-9a-f-]{36}$/);
    });

    it.skipIf(!PHOTOS_READY)('names a cat and a dog, with ImageNet top-5 on request', async () => {
      const [cat] = testPhotos('cat', 1);
      const catReply = await predict(app, await readFile(cat!), '?top5=true');
      expect(catReply.status).toBe(200);
      expect(catReply.body).toMatchObject({ label: 'cat', unknown: false });
      expect(catReply.body.confidence).toBeGreaterThan(0.6);
      expect(catReply.body.confidence).toBe(catReply.body.probabilities.cat);
      expect(catReply.body.imagenet_top5).toHaveLength(5);
      expect(catReply.body.imagenet_top5![0]!.probability).toBeGreaterThanOrEqual(
        catReply.body.imagenet_top5![4]!.probability,
      );
      // Raw image bodies work too. The model gets 97.75% of the test photos right (it misses dog.4001),
      // so the dogs are judged as a group of three.
      const dogReplies = await Promise.all(
        testPhotos('dog', 3).map(async (dog) =>
          send<Prediction>(app, '/api/predict', {
            binary: { bytes: await readFile(dog), type: 'image/jpeg' },
            headers: KEY,
          }),
        ),
      );
      expect(dogReplies.every((r) => r.status === 200)).toBe(true);
      expect(dogReplies.filter((r) => r.body.label === 'dog').length).toBeGreaterThanOrEqual(2);
      const dogReply = dogReplies[0]!;
      expect(dogReply.body.imagenet_top5).toBeUndefined();
    });

    it('needs credentials with the images:analyze scope', async () => {
      const res = await send(app, '/api/predict', { multipart: upload(grey) });
      expectError(res, 401, 'unauthenticated');
    });

    it('refuses a decompression bomb by its header with 413', async () => {
      const error = expectError(await predict(app, bombPng(50_000, 50_000)), 413, 'payload_too_large');
      expect(error.message).toContain('25000000');
      expect(error.details).toEqual([{ path: 'file', message: 'too_many_pixels' }]);
    });

    it('gives 415 for other formats, 422 for corrupt or empty files and a missing field', async () => {
      expectError(await predict(app, await solidImage(30, 30, 'tiff')), 415, 'unsupported_media_type');
      expectError(await predict(app, Buffer.from('%PDF-1.4 not an image')), 415, 'unsupported_media_type');
      expectError(await predict(app, grey.subarray(0, grey.length >> 1)), 422, 'invalid_argument');
      expectError(await predict(app, new Uint8Array(0)), 422, 'invalid_argument');
      const wrongField = await send(app, '/api/predict', {
        multipart: upload(grey, 'a.jpg', 'image'),
        headers: KEY,
      });
      expect(expectError(wrongField, 422, 'invalid_argument').details).toEqual([
        { path: 'file', message: 'required' },
      ]);
      const json = await send(app, '/api/predict', { json: { file: 'x' }, headers: KEY });
      expectError(json, 415, 'unsupported_media_type');
      const two = await send(app, '/api/predict', {
        multipart: upload(grey, 'b.jpg', 'file', upload(grey)),
        headers: KEY,
      });
      expectError(two, 422, 'invalid_argument');
    });

    it('holds uploads to the byte limit', async () => {
      const { t: small, app: strict } = await startTestFunction(imageClassifierFunction, {
        VIGIL_BOOTSTRAP_API_KEY: BOOTSTRAP,
        VIGIL_MODEL_CACHE_DIR: MODEL_CACHE,
        VIGIL_IMAGE_MAX_BYTES: '2048',
      });
      try {
        const error = expectError(await predict(strict, grey), 413, 'payload_too_large');
        expect(error.message).toContain('2048');
        // A body far above the function's limit is cut off before it is read.
        const huge = new Uint8Array(4 * 2048 + 2 ** 20 + 10);
        expectError(await predict(strict, huge), 413, 'payload_too_large');
      } finally {
        await small.cleanup();
      }
    });
  });

  describe('POST /api/predict/batch', () => {
    it('classifies several images in upload order', async () => {
      const form = new FormData();
      const colours = ['#202020', '#ff0000', '#00ff00'];
      for (const [i, c] of colours.entries())
        form.append('files', new Blob([new Uint8Array(await solidImage(64, 64, 'png', c))]), `f${i}.png`);
      const res = await send<{ results: (Prediction & { filename: string })[]; model_version: string }>(
        app,
        '/api/predict/batch',
        { multipart: form, headers: KEY },
      );
      expect(res.status).toBe(200);
      expect(res.body.results.map((r) => r.filename)).toEqual(['f0.png', 'f1.png', 'f2.png']);
      expect(new Set(res.body.results.map((r) => r.prediction_id)).size).toBe(3);
      expect(res.body.results.every((r) => r.label === 'unknown')).toBe(true);
    });

    it('names the bad file of a batch and refuses batches over the limit', async () => {
      const form = new FormData();
      form.append('files', new Blob([new Uint8Array(grey)]), 'ok.jpg');
      form.append('files', new Blob([Buffer.from('junk')]), 'bad.txt');
      const error = expectError(
        await send(app, '/api/predict/batch', { multipart: form, headers: KEY }),
        415,
        'unsupported_media_type',
      );
      expect(error.details).toEqual([{ path: 'files.1', message: 'unsupported_format' }]);
      const many = new FormData();
      for (let i = 0; i < 5; i++) many.append('files', new Blob([new Uint8Array(grey)]), `${i}.jpg`);
      expectError(
        await send(app, '/api/predict/batch', { multipart: many, headers: KEY }),
        413,
        'payload_too_large',
      );
    });
  });

  describe('feedback', () => {
    it('stores feedback once per prediction and counts agreement', async () => {
      const first = await predict(app, grey);
      const second = await predict(app, grey);
      const ok = await send<{ correct: boolean; label: string | null }>(app, '/api/feedback', {
        json: { prediction_id: first.body.prediction_id, correct: true },
        headers: KEY,
      });
      expect(ok.status).toBe(201);
      expect(ok.body).toMatchObject({ correct: true, label: 'unknown', stored: true });
      const again = await send(app, '/api/feedback', {
        json: { prediction_id: first.body.prediction_id, correct: false },
        headers: KEY,
      });
      expectError(again, 409, 'conflict');
      const corrected = await send<{ correct: boolean; label: string | null }>(app, '/api/feedback', {
        json: { prediction_id: second.body.prediction_id, label: 'dog' },
        headers: KEY,
      });
      expect(corrected.status).toBe(201);
      expect(corrected.body).toMatchObject({ correct: false, label: 'dog' });

      const stored = await t.platform.documents
        .collection<Record<string, unknown>>(COLLECTIONS.feedback)
        .get(second.body.prediction_id);
      expect(stored).toMatchObject({
        function: 'image-classifier',
        predicted: 'unknown',
        label: 'dog',
        correct: false,
        image: null,
      });
      const stats = await send<{ total: number; agree: number; agreement_rate: number }>(
        app,
        '/api/feedback/stats',
        { headers: KEY },
      );
      expect(stats.body).toMatchObject({ total: 2, agree: 1, agreement_rate: 0.5 });
      const metrics = await send<string>(app, '/metrics');
      expect(metrics.body).toMatch(
        /vigil_feedback_total\{function="image-classifier",model="cats-vs-dogs@1.0.0",agreement="agree"\} 1/,
      );
      expect(metrics.body).toMatch(/vigil_feedback_total\{[^}]*agreement="disagree"\} 1/);
    });

    it('rejects unknown predictions, unknown labels and contradictions', async () => {
      const missing = await send(app, '/api/feedback', {
        json: { prediction_id: '00000000-0000-4000-8000-000000000000', correct: true },
        headers: KEY,
      });
      expectError(missing, 404, 'not_found');
      const p = await predict(app, grey);
      const id = p.body.prediction_id;
      expectError(
        await send(app, '/api/feedback', { json: { prediction_id: id, label: 'hamster' }, headers: KEY }),
        422,
        'invalid_argument',
      );
      expectError(
        await send(app, '/api/feedback', {
          json: { prediction_id: id, correct: true, label: 'cat' },
          headers: KEY,
        }),
        422,
        'invalid_argument',
      );
      expectError(
        await send(app, '/api/feedback', { json: { prediction_id: id }, headers: KEY }),
        422,
        'invalid_argument',
      );
      expectError(
        await send(app, '/api/feedback', { json: { prediction_id: 'nope', correct: true }, headers: KEY }),
        422,
        'invalid_argument',
      );
      expectError(
        await send(app, '/api/feedback', { raw: '{"prediction_id":', headers: KEY }),
        400,
        'invalid_argument',
      );
    });
  });

  describe('retention (seed 002 GDPR: logs 180 days, feedback 365 days)', () => {
    it('keeps no image by default and purges logs and feedback when they expire', async () => {
      const p = await predict(app, grey);
      await send(app, '/api/feedback', {
        json: { prediction_id: p.body.prediction_id, correct: true },
        headers: KEY,
      });
      const predictions = t.platform.documents.collection<{ expiresAt: Date; image: string | null }>(
        COLLECTIONS.predictions,
      );
      const log = await predictions.get(p.body.prediction_id);
      expect(log?.image).toBeNull();
      expect(log?.expiresAt.getTime()).toBe(t.now.value.getTime() + 180 * DAY);
      expect(await t.platform.blobs.list('images/')).toEqual([]);

      const start = t.now.value;
      const purge = (days: number) =>
        purgeExpired(t.platform.documents, t.platform.blobs, new Date(start.getTime() + days * DAY), 180);
      expect(await purge(179)).toEqual({ predictions: 0, feedback: 0, images: 0 });
      const at181 = await purge(181);
      expect(at181.predictions).toBeGreaterThanOrEqual(1);
      expect(at181.feedback).toBe(0);
      const at366 = await purge(366);
      expect(at366.feedback).toBeGreaterThanOrEqual(1);
    });

    it('stores the image only when configured, and purges it with its log', async () => {
      const { t: keeping, app: storing } = await startTestFunction(imageClassifierFunction, {
        VIGIL_BOOTSTRAP_API_KEY: BOOTSTRAP,
        VIGIL_MODEL_CACHE_DIR: MODEL_CACHE,
        VIGIL_STORE_IMAGES: 'true',
        VIGIL_IMAGE_LOG_RETENTION_DAYS: '30',
      });
      try {
        const p = await predict(storing, grey);
        const blobs = await keeping.platform.blobs.list('images/image-classifier/');
        expect(blobs.map((b) => b.name)).toEqual([
          `images/image-classifier/2026-11-21/${p.body.prediction_id}.jpg`,
        ]);
        expect((await keeping.platform.blobs.get(blobs[0]!.name))?.data.equals(grey)).toBe(true);
        const later = new Date(keeping.now.value.getTime() + 31 * DAY);
        expect(
          await purgeExpired(keeping.platform.documents, keeping.platform.blobs, later, 30),
        ).toMatchObject({
          predictions: 1,
          images: 1,
        });
        expect(await keeping.platform.blobs.list('images/')).toEqual([]);
      } finally {
        await keeping.cleanup();
      }
    });

    it('keeps nothing when the deployment stores no predictions', async () => {
      const { t: none, app: quiet } = await startTestFunction(imageClassifierFunction, {
        VIGIL_BOOTSTRAP_API_KEY: BOOTSTRAP,
        VIGIL_MODEL_CACHE_DIR: MODEL_CACHE,
        VIGIL_STORE_PREDICTIONS: 'false',
      });
      try {
        const p = await predict(quiet, grey);
        expect(p.status).toBe(200);
        expect(await none.platform.documents.collection(COLLECTIONS.predictions).count()).toBe(0);
        const fb = await send(quiet, '/api/feedback', {
          json: { prediction_id: p.body.prediction_id, correct: true },
          headers: KEY,
        });
        expectError(fb, 404, 'not_found');
      } finally {
        await none.cleanup();
      }
    });
  });

  describe('page, model info and docs', () => {
    it('serves the page and its assets under a strict content security policy', async () => {
      const page = await send<string>(app, '/');
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(page.body).toContain('<label for="file">');
      expect(page.body).toContain('src="app.js"');
      expect((await send<string>(app, '/app.js')).headers.get('content-type')).toContain('javascript');
      expect((await send<string>(app, '/app.css')).status).toBe(200);
    });

    it('describes the model, its unknown rule and limits', async () => {
      const info = await send<Record<string, unknown>>(app, '/api/model');
      expect(info.body).toMatchObject({
        model_version: 'cats-vs-dogs@1.0.0',
        labels: ['cat', 'dog'],
        backbone: 'mobilenetv2-12-int8',
        limits: { max_pixels: 25_000_000, batch_max_items: 4, formats: ['jpeg', 'png', 'webp', 'gif'] },
      });
      expect((info.body.metrics as { metric: string }[]).some((m) => m.metric === 'accuracy')).toBe(true);
      const spec = await send<{ paths: Record<string, unknown> }>(app, '/openapi.json');
      expect(Object.keys(spec.body.paths)).toEqual(
        expect.arrayContaining([
          '/api/predict',
          '/api/predict/batch',
          '/api/feedback',
          '/api/feedback/stats',
          '/api/model',
        ]),
      );
    });
  });
});
