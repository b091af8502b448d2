/**
 * The hate-speech function in process, on a real platform (embedded in-memory documents, real auth):
 * seed 001's HateComment routes in French and English, the generic multi-model routes, limits, docs,
 * metrics, and the remote model on an Open Inference Protocol V2 server with its fallback to the local one.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BOOST_FLOOR, patternBoost } from '../../functions/hate-speech/boost.js';
import { severity } from '../../functions/hate-speech/detector.js';
import { hateSpeechFunction } from '../../functions/hate-speech/module.js';
import { metricSum } from '../../scripts/bench/support.js';
import { ConfigError, loadPlatformConfig } from '../../shared/runtime/config.js';
import type { FetchApp } from '../../shared/runtime/function.js';
import { explainText, readLinearModel } from '../../shared/text/explain.js';
import { Featurizer } from '../../shared/text/features.js';
import type { LinearTextModel } from '../../shared/text/linear-model.js';
import { parseManifest, type TextModelManifest } from '../../shared/text/manifest.js';
import { type Reply, send, sortedKeys } from '../support/http.js';
import { MODELS_DIR, startTestFunction, TEST_SECRET, type TestPlatform } from '../support/platform.js';
import { startV2Server, type V2TestModel, type V2TestServer } from '../support/v2-server.js';

const BOOTSTRAP = 'bootstrap-key-from-the-operator-0123456789';
const PREFIX = '/api/v1/hatecomment';
const DETECT = `${PREFIX}/detect`;
const BATCH = `${PREFIX}/batch-detect`;
const TAG = 'HateComment BERT';
const GENERIC_MODELS = ['hate-speech', 'toxicity-en', 'toxicity-fr', 'language-id'];

const FR_HATE = 'Les musulmans sont tous des terroristes, il faut les expulser';
const FR_NORMAL = "J'adore me promener au parc avec mes enfants";
const EN_HATE = 'All Muslims are terrorists and should be expelled';
const EN_NORMAL = 'I love this sunny day at the beach';

const DETECT_KEYS = [
  'boost_applied',
  'confidence',
  'enhanced',
  'hate_classification',
  'language',
  'model_used',
  'original_label',
  'prediction',
  'processing_time',
  'reasoning',
  'severity',
];
const BATCH_RESULT_KEYS = [
  'confidence',
  'hate_classification',
  'language',
  'prediction',
  'reasoning',
  'severity',
  'text',
];
/** The fields seed 001 documents for `/detect`; a seed client reads only these. */
const SEED_DETECT_KEYS = [
  'prediction',
  'confidence',
  'severity',
  'reasoning',
  'hate_classification',
  'original_label',
  'enhanced',
  'boost_applied',
  'processing_time',
];

/** Plain French of any length, for the text-length limits. */
const frenchOfLength = (n: number) =>
  'Merci pour ce commentaire très constructif. '.repeat(Math.ceil(n / 44) + 1).slice(0, n);

const readJson = <T>(file: string) => JSON.parse(readFileSync(file, 'utf8')) as T;
const hateDir = (version: string) => join(MODELS_DIR, 'hate-speech', version);
const MANIFEST: TextModelManifest = parseManifest(
  readJson(join(hateDir('1.0.0'), 'manifest.json')),
  'hate-speech manifest',
);
const LOCAL_MODEL = `${MANIFEST.name}@${MANIFEST.version}`;

interface Verdict {
  prediction: 'HAINEUX' | 'NON-HAINEUX';
  confidence: number;
  severity: string;
  reasoning: string | null;
  hate_classification: string;
}
interface DetectBody extends Verdict {
  original_label: string;
  enhanced: boolean;
  boost_applied: boolean;
  processing_time: number;
  language: string;
  model_used: string;
}
interface BatchBody {
  results: (Verdict & { text: string; language: string })[];
  total_processed: number;
  processing_time: number;
  model_used: string;
  enhanced_version: string;
}
interface GenericBody {
  model_name: string;
  version: string;
  label: string;
  labels: string[];
  probabilities: Record<string, Record<string, number>>;
  processing_time: number;
}
interface GenericBatchBody {
  model_name: string;
  version: string;
  results: Omit<GenericBody, 'model_name' | 'version' | 'processing_time'>[];
  total_processed: number;
  processing_time: number;
}
interface HealthBody {
  status: 'healthy' | 'degraded';
  model: string;
  version: string;
  device: string;
  fine_tuned: boolean;
  enhanced: boolean;
  loaded: boolean;
  remote: { url: string; model: string; ready: boolean } | null;
}
interface ErrorBody {
  error: { code: string; message: string; requestId: string; details?: { path: string; message: string }[] };
}
interface Example {
  title: string;
  language: 'fr' | 'en' | 'fr+en';
  method: 'POST';
  path: string;
  body: Record<string, unknown>;
  expected: string;
  curl: string;
}
interface CardMetric {
  dataset: string;
  metric: string;
  label?: string;
  value: number;
}

/** vigil's error envelope with the given status and code. */
function expectError(reply: Reply<unknown>, status: number, code: string): ErrorBody['error'] {
  expect(reply.status, JSON.stringify(reply.body)).toBe(status);
  const body = reply.body as ErrorBody;
  expect(sortedKeys(body)).toEqual(['error']);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.requestId.length).toBeGreaterThan(0);
  return body.error;
}

/** Checks a verdict's fields against each other and seed 001's vocabulary. */
function expectVerdict(v: Verdict) {
  expect(['HAINEUX', 'NON-HAINEUX']).toContain(v.prediction);
  expect(typeof v.confidence).toBe('number');
  expect(v.confidence).toBeGreaterThanOrEqual(0);
  expect(v.confidence).toBeLessThanOrEqual(1);
  const hateful = v.prediction === 'HAINEUX';
  expect(v.hate_classification).toBe(hateful ? 'haineux' : 'non-haineux');
  // severity() itself is checked against seed 001's table below.
  expect(v.severity).toBe(severity(hateful, v.confidence));
  if (!hateful) expect(v.severity).toBe('Aucune');
}

function expectDetect(body: DetectBody) {
  expect(sortedKeys(body)).toEqual(DETECT_KEYS);
  expectVerdict(body);
  expect(body.original_label).toBe(body.prediction === 'HAINEUX' ? 'LABEL_1' : 'LABEL_0');
  expect(typeof body.enhanced).toBe('boolean');
  expect(typeof body.boost_applied).toBe('boolean');
  expect(typeof body.processing_time).toBe('number');
  expect(body.processing_time).toBeGreaterThan(0);
  expect(body.processing_time).toBeLessThan(30);
  expect(typeof body.language).toBe('string');
  expect(typeof body.model_used).toBe('string');
}

/** The word the local linear model says pushed hardest towards the verdict, and how hard (logits). */
function topWord(
  linear: LinearTextModel,
  featurizer: Featurizer,
  text: string,
  hateful: boolean,
): { word: string; push: number } {
  const { contributions } = explainText(linear, featurizer, text, 'hateful', 'hateful', { top: Infinity });
  const sign = hateful ? 1 : -1;
  const best = contributions.reduce((a, b) => (sign * b.contribution > sign * a.contribution ? b : a));
  return { word: best.text, push: sign * best.contribution };
}

async function start(env: Record<string, string> = {}): Promise<{ t: TestPlatform; app: FetchApp }> {
  return startTestFunction(hateSpeechFunction, {
    VIGIL_BOOTSTRAP_API_KEY: BOOTSTRAP,
    ...env,
  });
}

describe('severity() follows seed 001’s scale', () => {
  const table: [boolean, number, string][] = [
    [true, 1, 'Critique'],
    [true, 0.95, 'Critique'],
    [true, 0.9000001, 'Critique'],
    [true, 0.9, 'Élevée'],
    [true, 0.85, 'Élevée'],
    [true, 0.8, 'Élevée'],
    [true, 0.79, 'Moyenne'],
    [true, 0.6, 'Moyenne'],
    [true, 0.59, 'Faible'],
    [true, 0.3, 'Faible'],
    [false, 0.99, 'Aucune'],
    [false, 0.5, 'Aucune'],
    [false, 0.1, 'Aucune'],
  ];
  it.each(table)('hateful=%s, confidence %s → %s', (hateful, confidence, expected) => {
    expect(severity(hateful, confidence)).toBe(expected);
  });
});

describe('configuration of the remote hate-speech model', () => {
  const base = {
    VIGIL_ENV: 'local',
    VIGIL_DATA_DIR: '/tmp/vigil-config-test',
    VIGIL_JWT_SECRET: TEST_SECRET,
  };

  it('refuses VIGIL_HATE_SPEECH_REMOTE_MODEL without VIGIL_MODEL_SERVER_URL, naming the variables', () => {
    const load = () => loadPlatformConfig({ ...base, VIGIL_HATE_SPEECH_REMOTE_MODEL: 'hate-bert' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/VIGIL_MODEL_SERVER_URL/);
    expect(load).toThrow(/VIGIL_HATE_SPEECH_REMOTE_MODEL/);
  });

  it('refuses a model name that cannot be a URL segment and a zero timeout', () => {
    const url = { VIGIL_MODEL_SERVER_URL: 'http://127.0.0.1:9' };
    expect(() => loadPlatformConfig({ ...base, ...url, VIGIL_HATE_SPEECH_REMOTE_MODEL: 'bad/name' })).toThrow(
      /VIGIL_HATE_SPEECH_REMOTE_MODEL/,
    );
    expect(() =>
      loadPlatformConfig({
        ...base,
        ...url,
        VIGIL_HATE_SPEECH_REMOTE_MODEL: 'hate-bert',
        VIGIL_MODEL_SERVER_TIMEOUT_MS: '0',
      }),
    ).toThrow(/VIGIL_MODEL_SERVER_TIMEOUT_MS/);
  });

  it('takes both, with the timeout and threshold', () => {
    const config = loadPlatformConfig({
      ...base,
      VIGIL_MODEL_SERVER_URL: 'http://127.0.0.1:9',
      VIGIL_HATE_SPEECH_REMOTE_MODEL: 'hate-bert',
      VIGIL_MODEL_SERVER_TIMEOUT_MS: '250',
      VIGIL_HATE_SPEECH_REMOTE_THRESHOLD: '0.7',
    });
    expect(config.modelServer).toEqual({
      url: 'http://127.0.0.1:9',
      timeoutMs: 250,
      hateSpeech: { model: 'hate-bert', threshold: 0.7 },
    });
    expect(loadPlatformConfig(base).modelServer.hateSpeech).toBeUndefined();
  });
});

describe('hate-speech function', () => {
  let t: TestPlatform;
  let app: FetchApp;
  /** An API key with `hate-speech:analyze`, and one with another function's scope only. */
  let analyst: string;
  let outsider: string;
  let linear: LinearTextModel;
  let featurizer: Featurizer;

  const asKey = (key: string) => ({ 'X-API-Key': key });
  const detect = (body: unknown, headers: Record<string, string> = asKey(analyst)) =>
    send<DetectBody>(app, DETECT, { json: body, headers });
  const detectOk = async (body: unknown) => {
    const reply = await detect(body);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expectDetect(reply.body);
    return reply.body;
  };
  const batch = (body: unknown, headers: Record<string, string> = asKey(analyst)) =>
    send<BatchBody>(app, BATCH, { json: body, headers });
  const predict = (model: string | null, text: string) =>
    send<GenericBody>(
      app,
      model === null ? '/api/v1/predict' : `/api/v1/predict?model_name=${encodeURIComponent(model)}`,
      { json: { text }, headers: asKey(analyst) },
    );
  const metrics = async () => {
    const reply = await send<string>(app, '/metrics');
    expect(reply.status).toBe(200);
    return reply.body;
  };

  beforeAll(async () => {
    ({ t, app } = await start());
    const create = async (name: string, scopes: string[]) =>
      (await t.platform.apiKeys.create({ name, scopes, createdBy: 'test' })).key;
    analyst = await create('analyst', ['hate-speech:analyze']);
    outsider = await create('outsider', ['toxicity:analyze']);
    linear = await readLinearModel(join(hateDir(MANIFEST.version), MANIFEST.model.file), MANIFEST);
    featurizer = new Featurizer(MANIFEST.features);
  });
  afterAll(() => t?.cleanup());

  describe(`POST ${DETECT}`, () => {
    it('answers seed 001’s fields (plus language and model_used) from the local model', async () => {
      const body = await detectOk({ text: FR_HATE, include_reasoning: true });
      expect(body.prediction).toBe('HAINEUX');
      expect(body.enhanced).toBe(false);
      // The pattern boost is off: measurement showed it does not help (boost-decision.ts).
      expect(body.boost_applied).toBe(false);
      expect(body.model_used).toBe(LOCAL_MODEL);
      expect(body.language).toBe('fr');
      expect(typeof body.reasoning).toBe('string');
    });

    it('gives the local model’s probability: the same as the generic route’s, on the hateful side of it', async () => {
      for (const text of [FR_HATE, FR_NORMAL, EN_HATE, EN_NORMAL]) {
        const generic = await predict('hate-speech', text);
        expect(generic.status).toBe(200);
        const p = generic.body.probabilities.hateful?.hateful as number;
        const body = await detectOk({ text, include_reasoning: false });
        expect(body.confidence).toBeCloseTo(body.prediction === 'HAINEUX' ? p : 1 - p, 6);
      }
    });

    it('leaves the score alone where seed 001’s pattern boost would have lifted it (boost off by measurement)', async () => {
      const text = 'We hate immigrants';
      const body = await detectOk({ text, include_reasoning: false });
      const p = (await predict('hate-speech', text)).body.probabilities.hateful?.hateful as number;
      // The fixture must be a text the boost would change: a pattern match well below its floor.
      const wouldBoost = patternBoost(text, {
        probability: p,
        threshold: 0.5,
        language: body.language,
        model: LOCAL_MODEL,
        remote: false,
      });
      expect(wouldBoost.applied).toBe(true);
      expect(p).toBeLessThan(BOOST_FLOOR);
      expect(body.boost_applied).toBe(false);
      expect(body.confidence).toBeCloseTo(body.prediction === 'HAINEUX' ? p : 1 - p, 6);
    });

    it('is deterministic', async () => {
      const a = await detectOk({ text: EN_HATE });
      const b = await detectOk({ text: EN_HATE });
      expect(b.confidence).toBe(a.confidence);
      expect(b.reasoning).toBe(a.reasoning);
    });

    describe('reasoning in the text’s language, naming the word that weighed most', () => {
      const cases = [
        { text: FR_HATE, language: 'fr', prediction: 'HAINEUX' },
        { text: FR_NORMAL, language: 'fr', prediction: 'NON-HAINEUX' },
        { text: EN_HATE, language: 'en', prediction: 'HAINEUX' },
        { text: EN_NORMAL, language: 'en', prediction: 'NON-HAINEUX' },
      ] as const;
      it.each(cases)('$language, $prediction: $text', async ({ text, language, prediction }) => {
        const body = await detectOk({ text, include_reasoning: true });
        expect(body.language).toBe(language);
        expect(body.prediction).toBe(prediction);
        const reasoning = body.reasoning as string;
        const hateful = prediction === 'HAINEUX';
        const top = topWord(linear, featurizer, text, hateful);
        // The fixture needs a word that clearly pushes towards the verdict, or the sentence names none.
        expect(top.push).toBeGreaterThan(0.1);
        const percent = Math.round(body.confidence * 100);
        if (language === 'fr') {
          expect(reasoning).toContain(
            `Classé ${hateful ? 'haineux' : 'non haineux'} (confiance ${percent} %)`,
          );
          expect(reasoning).toContain(`« ${top.word} »`);
          expect(reasoning).not.toMatch(/[“”]|Classified/);
        } else {
          expect(reasoning).toContain(
            `Classified as ${hateful ? 'hateful' : 'not hateful'} (confidence ${percent}%)`,
          );
          expect(reasoning).toContain(`“${top.word}”`);
          expect(reasoning).not.toMatch(/[«»]|Classé/);
        }
        // A not-hateful verdict must not be explained by the words that pushed towards hateful.
        const against = topWord(linear, featurizer, text, !hateful);
        if (against.push > 0 && against.word.toLowerCase() !== top.word.toLowerCase()) {
          expect(reasoning).not.toContain(language === 'fr' ? `« ${against.word} »` : `“${against.word}”`);
        }
        expect(reasoning).not.toContain(text);
      });

      it('defaults to include_reasoning true and gives null for false', async () => {
        expect(typeof (await detectOk({ text: FR_NORMAL })).reasoning).toBe('string');
        expect((await detectOk({ text: FR_NORMAL, include_reasoning: false })).reasoning).toBeNull();
      });
    });

    describe('limits and validation', () => {
      it('takes 5,000 characters and refuses 0 and 5,001 with 422', async () => {
        await detectOk({ text: frenchOfLength(5_000), include_reasoning: false });
        for (const text of ['', frenchOfLength(5_001)]) {
          const error = expectError(await detect({ text }), 422, 'invalid_argument');
          expect(error.details?.[0]?.path).toBe('text');
        }
      });

      it('refuses a missing text, a non-string text and a non-boolean include_reasoning with 422', async () => {
        expectError(await detect({}), 422, 'invalid_argument');
        expectError(await detect({ text: 42 }), 422, 'invalid_argument');
        expectError(await detect({ text: 'ok', include_reasoning: 'yes' }), 422, 'invalid_argument');
      });

      it('answers malformed JSON with a 4xx in vigil’s envelope', async () => {
        const reply = await send<ErrorBody>(app, DETECT, { raw: '{"text": "Je', headers: asKey(analyst) });
        expect(reply.status).toBeGreaterThanOrEqual(400);
        expect(reply.status).toBeLessThan(500);
        expect(sortedKeys(reply.body)).toEqual(['error']);
        expect(reply.body.error.code).toBe('invalid_argument');
      });
    });

    describe('auth', () => {
      const body = { text: FR_NORMAL, include_reasoning: false };

      it('answers 401 without credentials or with a bad key on every scoring route', async () => {
        const none = {};
        expectError(await detect(body, none), 401, 'unauthenticated');
        expectError(await detect(body, asKey('not-a-key')), 401, 'unauthenticated');
        expectError(await batch({ texts: [FR_NORMAL] }, none), 401, 'unauthenticated');
        expectError(await send(app, '/api/v1/predict', { json: { text: 'x' } }), 401, 'unauthenticated');
        expectError(
          await send(app, '/api/v1/batch-predict', { json: { texts: ['x'] } }),
          401,
          'unauthenticated',
        );
      });

      it('answers 403 for a key without hate-speech:analyze', async () => {
        expectError(await detect(body, asKey(outsider)), 403, 'permission_denied');
        expectError(await batch({ texts: [FR_NORMAL] }, asKey(outsider)), 403, 'permission_denied');
        expectError(
          await send(app, '/api/v1/predict?model_name=toxicity-en', {
            json: { text: 'x' },
            headers: asKey(outsider),
          }),
          403,
          'permission_denied',
        );
      });

      it('checks credentials before the body: no key and an invalid body is still 401', async () => {
        expectError(await detect({ text: '' }, {}), 401, 'unauthenticated');
      });

      it('serves health, info, examples and the model list without credentials, as seed 001 did', async () => {
        for (const path of [
          `${PREFIX}/health`,
          `${PREFIX}/info`,
          `${PREFIX}/examples`,
          '/api/v1/models',
          '/api/v1/models/hate-speech/health',
        ]) {
          expect((await send(app, path)).status, path).toBe(200);
        }
      });
    });
  });

  describe(`POST ${BATCH}`, () => {
    const texts = [FR_HATE, 'Hello world', EN_HATE, FR_NORMAL, EN_NORMAL];

    it('answers one verdict per text, in order, equal to /detect’s, without reasoning by default', async () => {
      const reply = await batch({ texts });
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
      const body = reply.body;
      expect(sortedKeys(body)).toEqual([
        'enhanced_version',
        'model_used',
        'processing_time',
        'results',
        'total_processed',
      ]);
      expect(body.total_processed).toBe(texts.length);
      expect(body.model_used).toBe(LOCAL_MODEL);
      expect(typeof body.enhanced_version).toBe('string');
      expect(body.enhanced_version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(body.processing_time).toBeGreaterThan(0);
      expect(body.results.map((r) => r.text)).toEqual(texts);
      for (const [i, result] of body.results.entries()) {
        expect(sortedKeys(result)).toEqual(BATCH_RESULT_KEYS);
        expectVerdict(result);
        expect(result.reasoning).toBeNull();
        const single = await detectOk({ text: texts[i], include_reasoning: false });
        expect(result.prediction).toBe(single.prediction);
        expect(result.confidence).toBeCloseTo(single.confidence, 6);
        expect(result.severity).toBe(single.severity);
        expect(result.language).toBe(single.language);
      }
      expect(body.results.map((r) => r.prediction)).toEqual([
        'HAINEUX',
        'NON-HAINEUX',
        'HAINEUX',
        'NON-HAINEUX',
        'NON-HAINEUX',
      ]);
    });

    it('explains each text in its own language when asked', async () => {
      const reply = await batch({ texts: [FR_HATE, EN_HATE], include_reasoning: true });
      expect(reply.status).toBe(200);
      const [fr, en] = reply.body.results;
      expect(fr?.reasoning).toMatch(/^Classé haineux .*« .+ »/);
      expect(en?.reasoning).toMatch(/^Classified as hateful .*“.+”/);
    });

    it('takes 100 texts and refuses 0, 101 and one over-long text with 422', async () => {
      const hundred = Array.from({ length: 100 }, (_, i) => `${EN_NORMAL} ${i}`);
      const ok = await batch({ texts: hundred });
      expect(ok.status).toBe(200);
      expect(ok.body.total_processed).toBe(100);
      expect(ok.body.results.map((r) => r.text)).toEqual(hundred);
      expectError(await batch({ texts: [] }), 422, 'invalid_argument');
      expectError(await batch({ texts: [...hundred, 'one more'] }), 422, 'invalid_argument');
      expectError(await batch({ texts: ['ok', frenchOfLength(5_001)] }), 422, 'invalid_argument');
      expectError(await batch({ texts: ['ok', ''] }), 422, 'invalid_argument');
      expectError(await batch({ text: 'not texts' }), 422, 'invalid_argument');
    });
  });

  describe(`GET ${PREFIX}/examples`, () => {
    it('lists French and English examples, hateful and not, each answered as it says', async () => {
      const reply = await send<{ examples: Example[] }>(app, `${PREFIX}/examples`);
      expect(reply.status).toBe(200);
      const { examples } = reply.body;
      const seen = new Set<string>();
      for (const example of examples) {
        expect(example.method).toBe('POST');
        expect(example.curl).toContain(example.path);
        expect(example.curl).toContain('X-API-Key');
        const answer = await send<DetectBody & BatchBody>(app, example.path, {
          json: example.body,
          headers: asKey(analyst),
        });
        expect(answer.status, `${example.title}: ${JSON.stringify(answer.body)}`).toBe(200);
        if (example.path === DETECT) {
          expect(answer.body.prediction, example.title).toBe(example.expected);
          seen.add(`${example.language} ${example.expected}`);
        } else {
          expect(example.path).toBe(BATCH);
          const predictions = answer.body.results.map((r) => r.prediction);
          const repeated = /^(HAINEUX|NON-HAINEUX) ×(\d+)$/.exec(example.expected);
          const expected = repeated
            ? Array.from({ length: Number(repeated[2]) }, () => repeated[1])
            : example.expected.split(/,\s*/);
          expect(predictions, example.title).toEqual(expected);
        }
      }
      expect([...seen].sort()).toEqual(['en HAINEUX', 'en NON-HAINEUX', 'fr HAINEUX', 'fr NON-HAINEUX']);
      expect(examples.some((e) => e.path === BATCH)).toBe(true);
    });
  });

  describe('generic multi-model routes', () => {
    it('scores with hate-speech by default and by name, and with hatecomment-bert as its alias', async () => {
      const byName = await predict('hate-speech', FR_HATE);
      expect(byName.status).toBe(200);
      expect(sortedKeys(byName.body)).toEqual([
        'label',
        'labels',
        'model_name',
        'probabilities',
        'processing_time',
        'version',
      ]);
      expect(byName.body.model_name).toBe('hate-speech');
      expect(byName.body.version).toBe(MANIFEST.version);
      expect(byName.body.label).toBe('hateful');
      const p = byName.body.probabilities.hateful?.hateful;
      expect(p).toBeGreaterThan(0.5);
      for (const model of [null, 'hatecomment-bert']) {
        const other = await predict(model, FR_HATE);
        expect(other.status).toBe(200);
        expect(other.body.model_name).toBe('hate-speech');
        expect(other.body.probabilities).toEqual(byName.body.probabilities);
      }
      const normal = await predict('hatecomment-bert', EN_NORMAL);
      expect(normal.body.label).toBe('not_hateful');
      expect(normal.body.labels).toEqual([]);
    });

    it('scores with toxicity-en and toxicity-fr', async () => {
      const en = await predict('toxicity-en', 'You are a stupid worthless idiot.');
      expect(en.status).toBe(200);
      expect(en.body.model_name).toBe('toxicity-en');
      expect(en.body.label).toBe('toxic');
      expect(en.body.probabilities.toxicity?.toxic).toBeGreaterThan(0.5);
      const enFriendly = await predict('toxicity-en', 'Thank you so much for the kind reply, my friend.');
      expect(enFriendly.body.label).toBe('not_toxic');
      const fr = await predict('toxicity-fr', 'Tu es un idiot complet et un crétin.');
      expect(fr.status).toBe(200);
      expect(fr.body.model_name).toBe('toxicity-fr');
      expect(fr.body.label).toBe('toxic');
      const frFriendly = await predict('toxicity-fr', 'Merci beaucoup pour votre aide, c’est très gentil.');
      expect(frFriendly.body.label).toBe('not_toxic');
    });

    it('answers 404 for an unknown model, and 422 for a bad text', async () => {
      const error = expectError(await predict('no-such-model', 'hello'), 404, 'not_found');
      expect(error.message).toContain('no-such-model');
      expectError(await predict('../hate-speech', 'hello'), 404, 'not_found');
      expectError(await predict('hate-speech', ''), 422, 'invalid_argument');
      expectError(await predict('hate-speech', frenchOfLength(5_001)), 422, 'invalid_argument');
    });

    it('scores a batch with POST /api/v1/batch-predict, as many single predictions', async () => {
      const texts = [FR_HATE, EN_NORMAL, 'You are a stupid worthless idiot.'];
      for (const model of ['hatecomment-bert', 'toxicity-en']) {
        const reply = await send<GenericBatchBody>(app, `/api/v1/batch-predict?model_name=${model}`, {
          json: { texts },
          headers: asKey(analyst),
        });
        expect(reply.status, JSON.stringify(reply.body)).toBe(200);
        expect(reply.body.total_processed).toBe(3);
        expect(reply.body.results).toHaveLength(3);
        for (const [i, result] of reply.body.results.entries()) {
          const single = await predict(model, texts[i] as string);
          expect(reply.body.model_name).toBe(single.body.model_name);
          expect(result.label).toBe(single.body.label);
          for (const [head, labels] of Object.entries(single.body.probabilities)) {
            for (const [label, value] of Object.entries(labels)) {
              expect(result.probabilities[head]?.[label]).toBeCloseTo(value, 6);
            }
          }
        }
      }
      const unknown = await send(app, '/api/v1/batch-predict?model_name=nope', {
        json: { texts },
        headers: asKey(analyst),
      });
      expectError(unknown, 404, 'not_found');
      const tooMany = await send(app, '/api/v1/batch-predict', {
        json: { texts: Array.from({ length: 101 }, () => 'x') },
        headers: asKey(analyst),
      });
      expectError(tooMany, 422, 'invalid_argument');
    });

    it('lists the four models with their versions on disk, champion and languages', async () => {
      const reply = await send<{
        models: { name: string; versions: string[]; champion: string; stage: string; languages: string[] }[];
      }>(app, '/api/v1/models');
      expect(reply.status).toBe(200);
      const { models } = reply.body;
      expect(models.map((m) => m.name).sort()).toEqual([...GENERIC_MODELS].sort());
      for (const model of models) {
        const onDisk = readdirSync(join(MODELS_DIR, model.name)).filter((v) => /^\d+\.\d+\.\d+$/.test(v));
        expect(model.versions.sort()).toEqual(onDisk.sort());
        expect(model.versions).toContain(model.champion);
        const manifest = readJson<{ languages: string[] }>(
          join(MODELS_DIR, model.name, model.champion, 'manifest.json'),
        );
        expect(model.languages).toEqual(manifest.languages);
        expect(model.stage).toBe('production');
      }
    });

    it('reports a model’s health, the alias included, and 404 for an unknown one', async () => {
      for (const [name, model] of [
        ['hate-speech', 'hate-speech'],
        ['hatecomment-bert', 'hate-speech'],
        ['toxicity-en', 'toxicity-en'],
        ['toxicity-fr', 'toxicity-fr'],
      ]) {
        const reply = await send<{ model: string; version: string; status: string; loaded: boolean }>(
          app,
          `/api/v1/models/${name}/health`,
        );
        expect(reply.status, name).toBe(200);
        expect(reply.body).toEqual({ model, version: '1.0.0', status: 'healthy', loaded: true });
      }
      expectError(await send(app, '/api/v1/models/no-such-model/health'), 404, 'not_found');
    });
  });

  describe(`GET ${PREFIX}/health and /info`, () => {
    it('reports the local model healthy and no remote model', async () => {
      const reply = await send<HealthBody>(app, `${PREFIX}/health`);
      expect(reply.status).toBe(200);
      expect(sortedKeys(reply.body)).toEqual([
        'device',
        'enhanced',
        'fine_tuned',
        'loaded',
        'model',
        'remote',
        'status',
        'version',
      ]);
      expect(reply.body).toMatchObject({
        status: 'healthy',
        model: MANIFEST.name,
        version: MANIFEST.version,
        enhanced: false,
        loaded: true,
        remote: null,
      });
      expect(typeof reply.body.device).toBe('string');
    });

    it('gives the performance measured in the model card, not seed 001’s claimed figures', async () => {
      const reply = await send<{
        name: string;
        version: string;
        languages: string[];
        performance: Record<string, number | string>;
        endpoints: Record<string, string>;
      }>(app, `${PREFIX}/info`);
      expect(reply.status).toBe(200);
      const info = reply.body;
      expect(info.name).toBe(MANIFEST.name);
      expect(info.version).toBe(MANIFEST.version);
      expect(info.languages).toEqual(['français', 'anglais']);
      const card = readJson<{ metrics: CardMetric[] }>(join(hateDir(MANIFEST.version), 'card.json'));
      const fromCard = (dataset: string, metric: string, label?: string) => {
        const found = card.metrics.find(
          (m) => m.dataset === dataset && m.metric === metric && (label === undefined || m.label === label),
        );
        expect(found, `${dataset} ${metric}`).toBeDefined();
        return found?.value;
      };
      const { source, ...figures } = info.performance;
      expect(figures).toEqual({
        french_superset_roc_auc: fromCard('french-hate-speech-superset', 'rocAuc', 'hateful'),
        french_superset_f1: fromCard('french-hate-speech-superset', 'f1', 'hateful'),
        hatexplain_roc_auc: fromCard('hatexplain-en', 'rocAuc', 'hateful'),
        davidson_macro_f1: fromCard('davidson-hate-speech-en', 'macroF1', 'davidson'),
        hatecheck_en_accuracy: fromCard('hatecheck-en', 'accuracy'),
        hatecheck_fr_accuracy: fromCard('multilingual-hatecheck-fr', 'accuracy'),
      });
      expect(source).toContain('card.json');
      expect(JSON.stringify(info)).not.toMatch(/88\.94|90\.56/);
      // Every endpoint it names is a documented route.
      const spec = await send<{ paths: Record<string, unknown> }>(app, '/openapi.json');
      for (const path of Object.values(info.endpoints)) expect(Object.keys(spec.body.paths)).toContain(path);
    });
  });

  it(`documents the five HateComment routes under the “${TAG}” tag in /openapi.json`, async () => {
    const reply = await send<{
      paths: Record<string, Record<string, { tags?: string[]; security?: unknown[] }>>;
    }>(app, '/openapi.json');
    expect(reply.status).toBe(200);
    const { paths } = reply.body;
    const tagged = Object.entries(paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([, op]) => op.tags?.includes(TAG))
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    expect(tagged.sort()).toEqual(
      [
        `POST ${DETECT}`,
        `POST ${BATCH}`,
        `GET ${PREFIX}/health`,
        `GET ${PREFIX}/info`,
        `GET ${PREFIX}/examples`,
      ].sort(),
    );
    expect(paths[DETECT]?.post?.security?.length).toBeGreaterThan(0);
    expect(paths[BATCH]?.post?.security?.length).toBeGreaterThan(0);
    for (const [path, method] of [
      ['/api/v1/predict', 'post'],
      ['/api/v1/batch-predict', 'post'],
      ['/api/v1/models', 'get'],
      ['/api/v1/models/{name}/health', 'get'],
    ] as const) {
      expect(paths[path]?.[method], path).toBeDefined();
    }
  });

  it('counts each verdict in vigil_predictions_total and times it in vigil_inference_duration_seconds', async () => {
    const fn = { function: 'hate-speech' };
    const before = await metrics();
    const single = await detectOk({ text: FR_HATE, include_reasoning: false });
    const many = await batch({ texts: [EN_NORMAL, EN_HATE, FR_NORMAL] });
    expect(many.status).toBe(200);
    const after = await metrics();
    const delta = (name: string, labels: Record<string, string>) =>
      metricSum(after, name, labels) - metricSum(before, name, labels);
    const labels = [single.prediction, ...many.body.results.map((r) => r.prediction)];
    const hateful = labels.filter((l) => l === 'HAINEUX').length;
    expect(delta('vigil_predictions_total', fn)).toBe(4);
    expect(delta('vigil_predictions_total', { ...fn, model: LOCAL_MODEL, label: 'hateful' })).toBe(hateful);
    expect(delta('vigil_predictions_total', { ...fn, model: LOCAL_MODEL, label: 'not_hateful' })).toBe(
      4 - hateful,
    );
    expect(delta('vigil_inference_duration_seconds_count', fn)).toBe(4);
    expect(delta('vigil_inference_duration_seconds_sum', fn)).toBeGreaterThan(0);
  });
});

describe('hate-speech function with VIGIL_AUTH_DISABLED=hate-speech', () => {
  let t: TestPlatform;
  let app: FetchApp;

  beforeAll(async () => {
    ({ t, app } = await start({ VIGIL_AUTH_DISABLED: 'hate-speech' }));
  });
  afterAll(() => t?.cleanup());

  it('answers seed 001’s curl commands, sent without credentials, unchanged', async () => {
    const detect = await send<DetectBody>(app, DETECT, {
      json: { text: 'Je déteste ces gens', include_reasoning: true },
    });
    expect(detect.status, JSON.stringify(detect.body)).toBe(200);
    expectDetect(detect.body);
    for (const key of SEED_DETECT_KEYS) expect(detect.body).toHaveProperty(key);
    expect(detect.body.reasoning).toMatch(/^Classé /);

    const batch = await send<BatchBody>(app, BATCH, {
      json: {
        texts: ['Hello world', 'Je déteste tout le monde', 'I love this day'],
        include_reasoning: false,
      },
    });
    expect(batch.status).toBe(200);
    expect(batch.body.total_processed).toBe(3);
    for (const r of batch.body.results) {
      expectVerdict(r);
      expect(r.reasoning).toBeNull();
    }

    const predict = await send<GenericBody>(app, '/api/v1/predict?model_name=hatecomment-bert', {
      json: { text: 'Je déteste ces gens' },
    });
    expect(predict.status).toBe(200);
    expect(predict.body.model_name).toBe('hate-speech');
    const batchPredict = await send<GenericBatchBody>(
      app,
      '/api/v1/batch-predict?model_name=hatecomment-bert',
      {
        json: { texts: ['Hello world', 'Je déteste tout le monde'] },
      },
    );
    expect(batchPredict.status).toBe(200);
    expect((await send(app, '/api/v1/models/hatecomment-bert/health')).status).toBe(200);
  });

  it('still validates: 422 for an empty text', async () => {
    expectError(await send(app, DETECT, { json: { text: '' } }), 422, 'invalid_argument');
  });
});

describe('hate-speech function with a remote model on a V2 server', () => {
  const TIMEOUT_MS = 200;
  const remoteModel: V2TestModel = {
    labels: ['not_hateful', 'hateful'],
    // The remote answers with its own, recognisable probabilities: 0.97 for EVIL, 0.4 for BORDERLINE.
    score: (text) =>
      text.includes('EVIL') ? [0.03, 0.97] : text.includes('BORDERLINE') ? [0.6, 0.4] : [0.98, 0.02],
  };
  let server: V2TestServer;
  let serverClosed = false;
  let t: TestPlatform;
  let app: FetchApp;

  const detect = (text: string) => send<DetectBody>(app, DETECT, { json: { text, include_reasoning: true } });
  const fallbacks = async () =>
    metricSum((await send<string>(app, '/metrics')).body, 'vigil_prediction_errors_total', {
      function: 'hate-speech',
      kind: 'remote_fallback',
    });
  const localProbability = async (text: string) =>
    (await send<GenericBody>(app, '/api/v1/predict?model_name=hate-speech', { json: { text } })).body
      .probabilities.hateful?.hateful as number;

  beforeAll(async () => {
    server = await startV2Server({ models: { 'hate-bert': remoteModel } });
    ({ t, app } = await start({
      VIGIL_AUTH_DISABLED: 'hate-speech',
      VIGIL_MODEL_SERVER_URL: server.url,
      VIGIL_HATE_SPEECH_REMOTE_MODEL: 'hate-bert',
      VIGIL_MODEL_SERVER_TIMEOUT_MS: String(TIMEOUT_MS),
      VIGIL_HATE_SPEECH_REMOTE_THRESHOLD: '0.5',
    }));
  });
  afterEach(() => {
    delete remoteModel.delayMs;
    delete remoteModel.failWith;
    delete remoteModel.ready;
  });
  afterAll(async () => {
    await t?.cleanup();
    if (!serverClosed) await server?.close();
  });

  it('answers /detect from the remote model, with the local explanation in the text’s language', async () => {
    const sent = server.requests.length;
    const reply = await detect('You EVIL people, I wish you all the worst');
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expectDetect(reply.body);
    expect(reply.body).toMatchObject({
      prediction: 'HAINEUX',
      severity: 'Critique',
      enhanced: true,
      model_used: 'hate-bert',
      language: 'en',
      original_label: 'LABEL_1',
    });
    expect(reply.body.confidence).toBeCloseTo(0.97, 6);
    expect(reply.body.reasoning).toMatch(/^Classified as hateful \(confidence 97%\)/);
    expect(server.requests.length).toBe(sent + 1);
    const infer = server.requests.at(-1) as { inputs: { data: string[] }[] };
    expect(infer.inputs[0]?.data).toEqual(['You EVIL people, I wish you all the worst']);

    const fr = await detect(FR_NORMAL);
    expect(fr.body).toMatchObject({ prediction: 'NON-HAINEUX', enhanced: true, model_used: 'hate-bert' });
    expect(fr.body.confidence).toBeCloseTo(0.98, 6);
    expect(fr.body.reasoning).toMatch(/^Classé non haineux \(confiance 98 %\)/);
  });

  it('decides with the remote threshold, not the local one', async () => {
    const text = 'This is BORDERLINE, I guess';
    const reply = await detect(text);
    expect(reply.body).toMatchObject({ prediction: 'NON-HAINEUX', enhanced: true, severity: 'Aucune' });
    expect(reply.body.confidence).toBeCloseTo(0.6, 6);
  });

  it('scores a whole batch in one infer request', async () => {
    const sent = server.requests.length;
    const texts = ['EVIL everywhere', FR_NORMAL, 'hello there'];
    const reply = await send<BatchBody>(app, BATCH, { json: { texts } });
    expect(reply.status).toBe(200);
    expect(server.requests.length).toBe(sent + 1);
    expect(reply.body.model_used).toBe('hate-bert');
    expect(reply.body.results.map((r) => r.prediction)).toEqual(['HAINEUX', 'NON-HAINEUX', 'NON-HAINEUX']);
    expect(reply.body.results[0]?.confidence).toBeCloseTo(0.97, 6);
  });

  it('reports the remote model ready on /health, and degraded when it is not', async () => {
    const ready = await send<HealthBody>(app, `${PREFIX}/health`);
    expect(ready.body).toMatchObject({
      status: 'healthy',
      enhanced: true,
      remote: { url: server.url, model: 'hate-bert', ready: true },
    });
    remoteModel.ready = false;
    const notReady = await send<HealthBody>(app, `${PREFIX}/health`);
    expect(notReady.status).toBe(200);
    expect(notReady.body).toMatchObject({
      status: 'degraded',
      enhanced: false,
      remote: { model: 'hate-bert', ready: false },
    });
    const info = await send<{ enhanced_features: string[] }>(app, `${PREFIX}/info`);
    expect(info.body.enhanced_features.join(' ')).toContain('hate-bert');
  });

  it('falls back to the local model after the timeout when the remote is slow, and counts it', async () => {
    const text = 'You EVIL people, I wish you all the worst';
    const expected = await localProbability(text);
    const before = await fallbacks();
    remoteModel.delayMs = 3_000;
    const started = performance.now();
    const reply = await detect(text);
    const elapsed = performance.now() - started;
    expect(reply.status).toBe(200);
    expectDetect(reply.body);
    expect(reply.body.enhanced).toBe(false);
    expect(reply.body.model_used.startsWith('hate-speech@')).toBe(true);
    const p = reply.body.prediction === 'HAINEUX' ? reply.body.confidence : 1 - reply.body.confidence;
    expect(p).toBeCloseTo(expected, 6);
    // It waited for the timeout, not for the slow server.
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 1_000);
    expect((await fallbacks()) - before).toBe(1);
    expect(t.logs.some((l) => JSON.stringify(l).includes('timed out'))).toBe(true);
  });

  it('falls back when the remote answers 500, and for every text of a batch', async () => {
    remoteModel.failWith = { status: 500, error: 'CUDA out of memory' };
    const before = await fallbacks();
    const reply = await detect('EVIL again');
    expect(reply.status).toBe(200);
    expect(reply.body.enhanced).toBe(false);
    expect(reply.body.model_used).toMatch(/^hate-speech@/);
    const many = await send<BatchBody>(app, BATCH, { json: { texts: ['EVIL', FR_NORMAL] } });
    expect(many.status).toBe(200);
    expect(many.body.model_used).toMatch(/^hate-speech@/);
    expect((await fallbacks()) - before).toBe(2);
  });

  it('uses the remote again once it recovers', async () => {
    const reply = await detect('EVIL is back');
    expect(reply.body).toMatchObject({ enhanced: true, model_used: 'hate-bert' });
  });

  it('falls back and reports degraded when the server is gone', async () => {
    await server.close();
    serverClosed = true;
    const before = await fallbacks();
    const reply = await detect('EVIL with no server');
    expect(reply.status).toBe(200);
    expect(reply.body.enhanced).toBe(false);
    expect((await fallbacks()) - before).toBe(1);
    const health = await send<HealthBody>(app, `${PREFIX}/health`);
    expect(health.body).toMatchObject({ status: 'degraded', remote: { ready: false } });
  });
});
