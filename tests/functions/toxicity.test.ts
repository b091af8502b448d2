/**
 * The toxicity function in process, on a real platform (embedded in-memory documents, real auth):
 * Perspective's wire format, seed 000's API, batch scoring, history, erasure, metrics and docs.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeedbackDoc, PredictionDoc } from '../../functions/toxicity/history.js';
import { toxicityFunction } from '../../functions/toxicity/module.js';
import { hashPassword } from '../../shared/auth/passwords.js';
import type { FetchApp } from '../../shared/runtime/function.js';
import { type Reply, send, sortedKeys } from '../support/http.js';
import { MODELS_DIR, startTestFunction, type TestPlatform } from '../support/platform.js';

const BOOTSTRAP = 'bootstrap-key-from-the-operator-0123456789';
const DAY_MS = 86_400_000;
const ANALYZE = '/v1alpha1/comments:analyze';
const SUGGEST = '/v1alpha1/comments:suggestscore';
const BATCH = '/v1/comments:batchAnalyze';
const ENGLISH_ATTRIBUTES = [
  'IDENTITY_ATTACK',
  'INSULT',
  'PROFANITY',
  'SEVERE_TOXICITY',
  'THREAT',
  'TOXICITY',
];

const INSULT_TEXT = 'You are a stupid worthless idiot.';
const FRIENDLY_TEXT =
  'Thank you so much for the thoughtful and kind reply, my friend! I really appreciate it.';
const FRENCH_INSULT = 'Tu es un idiot complet et un crétin.';
const FRENCH_FRIENDLY = 'Merci beaucoup pour votre aide, c’est très gentil de votre part.';
/** Plain English of any length, for the text-length limits. */
const englishOfLength = (n: number) =>
  'Thank you for the thoughtful reply. '.repeat(Math.ceil(n / 36) + 1).slice(0, n);

interface Manifest {
  name: string;
  version: string;
  createdAt: string;
  languages: string[];
  heads: { name: string; labels: string[]; thresholds: Record<string, number> }[];
  limits: { maxChars: number };
}
const manifest = (name: string) =>
  JSON.parse(readFileSync(`${MODELS_DIR}/${name}/1.0.0/manifest.json`, 'utf8')) as Manifest;

interface Score {
  value: number;
  type: string;
}
interface SpanScore {
  begin: number;
  end: number;
  score: Score;
}
interface AttributeScore {
  summaryScore: Score;
  spanScores?: SpanScore[];
}
interface AnalyzeResponse {
  attributeScores: Record<string, AttributeScore>;
  languages: string[];
  detectedLanguages?: string[];
  clientToken?: string;
}
interface PerspectiveErrorBody {
  error: {
    code: number;
    message: string;
    status: string;
    details?: Record<string, unknown>[];
    requestId?: string;
  };
}
interface VigilErrorBody {
  error: { code: string; message: string; requestId: string };
}
interface StoredPrediction {
  id: string;
  createdAt: string;
  expiresAt: string;
  model: string;
  version: string;
  language: string;
  scores: Record<string, number>;
  text: string | null;
  communityId: string | null;
}

/** A Perspective-shaped error: only `error`, a numeric HTTP code, a gRPC status name and a message. */
function expectPerspectiveError(reply: Reply<unknown>, status: number, grpcStatus: string) {
  expect(reply.status).toBe(status);
  expect(reply.headers.get('content-type')).toContain('application/json');
  const body = reply.body as PerspectiveErrorBody;
  expect(sortedKeys(body)).toEqual(['error']);
  expect(body.error.code).toBe(status);
  expect(typeof body.error.code).toBe('number');
  expect(body.error.status).toBe(grpcStatus);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(0);
  return body.error;
}

function expectScore(score: Score | undefined) {
  expect(score).toBeDefined();
  expect(sortedKeys(score!)).toEqual(['type', 'value']);
  expect(score!.type).toBe('PROBABILITY');
  expect(typeof score!.value).toBe('number');
  expect(score!.value).toBeGreaterThanOrEqual(0);
  expect(score!.value).toBeLessThanOrEqual(1);
  return score!.value;
}

/** Total of `vigil_predictions_total` series whose labels include every given `name="value"` pair. */
function predictionsTotal(exposition: string, labels: Record<string, string>): number {
  let total = 0;
  for (const line of exposition.split('\n')) {
    const match = /^vigil_predictions_total\{(.*)\} (\S+)$/.exec(line);
    if (!match?.[1] || !match[2]) continue;
    const series = match[1];
    if (Object.entries(labels).every(([k, v]) => series.includes(`${k}="${v}"`))) total += Number(match[2]);
  }
  return total;
}

async function usersEnv(): Promise<string> {
  return JSON.stringify([
    { username: 'alice', passwordHash: await hashPassword('correct horse'), scopes: ['admin'] },
    { username: 'bob', passwordHash: await hashPassword('battery staple'), scopes: ['toxicity:analyze'] },
  ]);
}

async function start(env: Record<string, string> = {}): Promise<{ t: TestPlatform; app: FetchApp }> {
  return startTestFunction(toxicityFunction, {
    VIGIL_USERS: await usersEnv(),
    VIGIL_BOOTSTRAP_API_KEY: BOOTSTRAP,
    ...env,
  });
}

describe('toxicity function', () => {
  let t: TestPlatform;
  let app: FetchApp;
  /** API keys with `toxicity:analyze` only (two callers), and one without it. */
  let analyst: string;
  let analyst2: string;
  let outsider: string;
  const admin = { 'X-API-Key': BOOTSTRAP };

  const asKey = (key: string) => ({ 'X-API-Key': key });
  const analyze = (body: unknown, headers: Record<string, string> = asKey(analyst)) =>
    send<AnalyzeResponse>(app, ANALYZE, { json: body, headers });
  const analyzeOk = async (body: unknown, headers?: Record<string, string>) => {
    const reply = await analyze(body, headers);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    return reply.body;
  };
  const toxicityOf = async (text: string, extra: Record<string, unknown> = {}) =>
    (
      await analyzeOk({
        comment: { text },
        requestedAttributes: { TOXICITY: {} },
        doNotStore: true,
        ...extra,
      })
    ).attributeScores.TOXICITY!.summaryScore.value;
  const listPredictions = async (clientToken: string, headers: Record<string, string>) => {
    const reply = await send<{ predictions: StoredPrediction[] }>(
      app,
      `/v1/predictions?clientToken=${encodeURIComponent(clientToken)}`,
      { headers },
    );
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    return reply.body.predictions;
  };
  const storedPredictions = async (clientToken: string) =>
    t.platform.documents
      .collection<PredictionDoc>('predictions')
      .query({ where: [{ field: 'clientToken', op: '==', value: clientToken }] });
  const storedFeedback = async (clientToken: string) =>
    t.platform.documents
      .collection<FeedbackDoc>('feedback')
      .query({ where: [{ field: 'clientToken', op: '==', value: clientToken }] });
  async function token(username: string, password: string): Promise<string> {
    const reply = await send<{ access_token: string; token_type: string }>(app, '/token', {
      form: { username, password },
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    return reply.body.access_token;
  }

  beforeAll(async () => {
    ({ t, app } = await start());
    const create = async (name: string, scopes: string[]) =>
      (await t.platform.apiKeys.create({ name, scopes, createdBy: 'test' })).key;
    analyst = await create('analyst', ['toxicity:analyze']);
    analyst2 = await create('analyst-2', ['toxicity:analyze']);
    outsider = await create('outsider', ['hate-speech:analyze']);
  });
  afterAll(() => t?.cleanup());

  describe('POST /v1alpha1/comments:analyze', () => {
    it('answers field for field as Perspective does', async () => {
      const reply = await analyze({
        comment: { text: INSULT_TEXT, type: 'PLAIN_TEXT' },
        context: { entries: [{ text: 'What do you think of my essay?' }] },
        requestedAttributes: { TOXICITY: {}, INSULT: { scoreType: 'PROBABILITY' } },
        doNotStore: true,
        clientToken: 'ct-shape',
        sessionId: 'session-1',
        communityId: 'community-1',
      });
      expect(reply.status).toBe(200);
      expect(reply.headers.get('content-type')).toContain('application/json');
      const body = reply.body;
      expect(sortedKeys(body)).toEqual(['attributeScores', 'clientToken', 'detectedLanguages', 'languages']);
      expect(sortedKeys(body.attributeScores)).toEqual(['INSULT', 'TOXICITY']);
      for (const name of ['INSULT', 'TOXICITY']) {
        const attribute = body.attributeScores[name]!;
        expect(sortedKeys(attribute)).toEqual(['summaryScore']);
        expect(expectScore(attribute.summaryScore)).toBeGreaterThan(0.5);
      }
      expect(body.languages).toEqual(['en']);
      expect(body.detectedLanguages).toEqual(['en']);
      expect(body.clientToken).toBe('ct-shape');
    });

    it('leaves out clientToken when none was sent and detectedLanguages when languages were given', async () => {
      const body = await analyzeOk({
        comment: { text: FRIENDLY_TEXT },
        requestedAttributes: { TOXICITY: {} },
        languages: ['en'],
        doNotStore: true,
      });
      expect(sortedKeys(body)).toEqual(['attributeScores', 'languages']);
      expect(body.languages).toEqual(['en']);
      expect(expectScore(body.attributeScores.TOXICITY?.summaryScore)).toBeLessThan(0.5);
    });

    it('scores all six English attributes, each its own label, deterministically', async () => {
      const all = Object.fromEntries(ENGLISH_ATTRIBUTES.map((a) => [a, {}]));
      const body = await analyzeOk({
        comment: { text: INSULT_TEXT },
        requestedAttributes: all,
        doNotStore: true,
      });
      expect(sortedKeys(body.attributeScores)).toEqual(ENGLISH_ATTRIBUTES);
      const values = ENGLISH_ATTRIBUTES.map((a) => expectScore(body.attributeScores[a]?.summaryScore));
      // Six labels of one model, not one number copied six times.
      expect(new Set(values).size).toBeGreaterThan(1);
      // Asked alone, an attribute scores the same as in the group.
      for (const a of ['INSULT', 'THREAT']) {
        const alone = await analyzeOk({
          comment: { text: INSULT_TEXT },
          requestedAttributes: { [a]: {} },
          doNotStore: true,
        });
        expect(alone.attributeScores[a]?.summaryScore.value).toBe(
          body.attributeScores[a]?.summaryScore.value,
        );
      }
    });

    it('omits scores below scoreThreshold and keeps those at or above it', async () => {
      const plain = await analyzeOk({
        comment: { text: FRIENDLY_TEXT },
        requestedAttributes: { TOXICITY: {}, INSULT: {}, PROFANITY: {} },
        doNotStore: true,
      });
      const toxicity = plain.attributeScores.TOXICITY!.summaryScore.value;
      const insult = plain.attributeScores.INSULT!.summaryScore.value;
      const profanity = plain.attributeScores.PROFANITY!.summaryScore.value;
      expect(toxicity).toBeLessThan(1);
      expect(insult).toBeGreaterThan(0);
      const thresholded = await analyzeOk({
        comment: { text: FRIENDLY_TEXT },
        requestedAttributes: {
          TOXICITY: { scoreThreshold: (toxicity + 1) / 2 }, // above the score: left out
          INSULT: { scoreThreshold: insult / 2 }, // below the score: kept
          PROFANITY: { scoreThreshold: profanity }, // equal: kept
        },
        doNotStore: true,
      });
      expect(sortedKeys(thresholded.attributeScores)).toEqual(['INSULT', 'PROFANITY']);
      expect(thresholded.attributeScores.INSULT?.summaryScore).toEqual({
        value: insult,
        type: 'PROBABILITY',
      });
      expect(thresholded.attributeScores.PROFANITY?.summaryScore.value).toBe(profanity);
    });

    describe('span annotations', () => {
      const sentences = [
        'Thanks for the great write-up 👍🏽!',
        'You are a stupid worthless idiot.',
        'My family 👨‍👩‍👧 loved the cafe\u0301 photos.',
      ];
      const text = `  ${sentences[0]}  ${sentences[1]}\n${sentences[2]} `;
      const expected = () => {
        let from = 0;
        return sentences.map((s) => {
          const begin = text.indexOf(s, from); // indexOf counts UTF-16 code units, as Perspective does
          from = begin + s.length;
          return { begin, end: begin + s.length };
        });
      };

      it('scores each sentence with UTF-16 offsets into the original text, end exclusive', async () => {
        const body = await analyzeOk({
          comment: { text },
          requestedAttributes: { TOXICITY: {}, INSULT: {} },
          spanAnnotations: true,
          doNotStore: true,
        });
        for (const name of ['TOXICITY', 'INSULT']) {
          const attribute = body.attributeScores[name]!;
          expect(sortedKeys(attribute)).toEqual(['spanScores', 'summaryScore']);
          const spans = attribute.spanScores!;
          for (const span of spans) {
            expect(sortedKeys(span)).toEqual(['begin', 'end', 'score']);
            expectScore(span.score);
            const piece = text.slice(span.begin, span.end);
            expect(piece.length).toBeGreaterThan(0);
            expect(piece).toBe(piece.trim());
          }
          for (let i = 1; i < spans.length; i++)
            expect(spans[i]!.begin).toBeGreaterThanOrEqual(spans[i - 1]!.end);
          expect(spans.map(({ begin, end }) => ({ begin, end }))).toEqual(expected());
          expect(spans.map((s) => text.slice(s.begin, s.end))).toEqual(sentences);
          const [friendly, insulting, family] = spans.map((s) => s.score.value) as [number, number, number];
          expect(insulting).toBeGreaterThan(friendly);
          expect(insulting).toBeGreaterThan(family);
          expect(insulting).toBeGreaterThan(0.5);
          expect(friendly).toBeLessThan(0.5);
        }
        // A sentence scores as that sentence alone would.
        expect(body.attributeScores.TOXICITY?.spanScores?.[1]?.score.value).toBe(
          await toxicityOf(sentences[1]!),
        );
      });

      it('drops span scores below the threshold too', async () => {
        const plain = await analyzeOk({
          comment: { text },
          requestedAttributes: { TOXICITY: {} },
          spanAnnotations: true,
          doNotStore: true,
        });
        const spans = plain.attributeScores.TOXICITY!.spanScores!;
        const values = spans.map((s) => s.score.value).sort((a, b) => a - b);
        // Between the highest and the second highest span, and below the summary.
        const threshold = (values.at(-1)! + values.at(-2)!) / 2;
        expect(plain.attributeScores.TOXICITY!.summaryScore.value).toBeGreaterThanOrEqual(threshold);
        const body = await analyzeOk({
          comment: { text },
          requestedAttributes: { TOXICITY: { scoreThreshold: threshold } },
          spanAnnotations: true,
          doNotStore: true,
        });
        const kept = body.attributeScores.TOXICITY!.spanScores!;
        expect(kept).toEqual(spans.filter((s) => s.score.value >= threshold));
        expect(kept.map((s) => text.slice(s.begin, s.end))).toEqual([sentences[1]]);
      });

      it('gives no spanScores unless asked', async () => {
        const body = await analyzeOk({
          comment: { text },
          requestedAttributes: { TOXICITY: {} },
          doNotStore: true,
        });
        expect(sortedKeys(body.attributeScores.TOXICITY!)).toEqual(['summaryScore']);
      });
    });

    describe('languages', () => {
      it('detects French and English when languages is absent', async () => {
        const fr = await analyzeOk({
          comment: { text: FRENCH_INSULT },
          requestedAttributes: { TOXICITY: {} },
          doNotStore: true,
        });
        expect(fr.detectedLanguages).toEqual(['fr']);
        expect(fr.languages).toEqual(['fr']);
        const en = await analyzeOk({
          comment: { text: FRIENDLY_TEXT },
          requestedAttributes: { TOXICITY: {} },
          doNotStore: true,
        });
        expect(en.detectedLanguages).toEqual(['en']);
        expect(en.languages).toEqual(['en']);
        // The French model is the one scoring French.
        expect(fr.attributeScores.TOXICITY!.summaryScore.value).toBeGreaterThan(
          await toxicityOf(FRENCH_FRIENDLY),
        );
      });

      it('takes an explicit fr-FR and scores with the French model', async () => {
        const body = await analyzeOk({
          comment: { text: FRENCH_INSULT },
          requestedAttributes: { TOXICITY: {} },
          languages: ['fr-FR'],
          doNotStore: true,
        });
        expect(sortedKeys(body)).toEqual(['attributeScores', 'languages']);
        expect(body.languages).toEqual(['fr']);
        expect(body.attributeScores.TOXICITY!.summaryScore.value).toBe(await toxicityOf(FRENCH_INSULT));
        // Forcing English on the same text gives the English model's score instead.
        expect(await toxicityOf(FRENCH_INSULT, { languages: ['en'] })).not.toBe(
          body.attributeScores.TOXICITY!.summaryScore.value,
        );
      });

      it('answers 400 LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE for an attribute French lacks', async () => {
        for (const languages of [undefined, ['fr']]) {
          const reply = await analyze({
            comment: { text: FRENCH_INSULT },
            requestedAttributes: { TOXICITY: {}, INSULT: {} },
            ...(languages ? { languages } : {}),
          });
          const error = expectPerspectiveError(reply, 400, 'INVALID_ARGUMENT');
          expect(error.message).toContain('INSULT');
          expect(error.details).toHaveLength(1);
          const detail = error.details![0]!;
          expect(detail.errorType).toBe('LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE');
          expect(detail['@type']).toBe('type.googleapis.com/google.commentanalyzer.v1alpha1.Error');
          expect(detail.languageNotSupportedByAttributeError).toMatchObject({ attribute: 'INSULT' });
        }
      });

      it('answers 400 LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE for a language vigil lacks', async () => {
        const reply = await analyze({
          comment: { text: 'Du bist ein Idiot.' },
          requestedAttributes: { TOXICITY: {} },
          languages: ['de'],
        });
        const error = expectPerspectiveError(reply, 400, 'INVALID_ARGUMENT');
        expect(error.details?.[0]?.errorType).toBe('LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE');
        // Names an object's inherited properties carry are languages like any other, not a 500.
        for (const language of ['constructor', 'toString', '__proto__']) {
          const odd = await analyze({
            comment: { text: FRIENDLY_TEXT },
            requestedAttributes: { TOXICITY: {} },
            languages: [language],
          });
          expect(expectPerspectiveError(odd, 400, 'INVALID_ARGUMENT').details?.[0]?.errorType).toBe(
            'LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE',
          );
        }
      });
    });

    describe('invalid requests answer 400 in Perspective’s shape', () => {
      const limit = manifest('toxicity-en').limits.maxChars;
      const cases: { name: string; body?: unknown; raw?: string; detail?: string }[] = [
        {
          name: 'an unknown attribute',
          body: { comment: { text: 'hello' }, requestedAttributes: { SPAM: {} } },
          detail: 'INVALID_REQUESTED_ATTRIBUTE',
        },
        { name: 'an empty comment', body: { comment: { text: '' }, requestedAttributes: { TOXICITY: {} } } },
        {
          name: 'a blank comment',
          body: { comment: { text: ' \n\t ' }, requestedAttributes: { TOXICITY: {} } },
        },
        {
          name: `text over the ${limit}-character limit`,
          body: { comment: { text: englishOfLength(limit + 1) }, requestedAttributes: { TOXICITY: {} } },
        },
        { name: 'malformed JSON', raw: '{' },
        { name: 'missing requestedAttributes', body: { comment: { text: 'hello' } } },
        { name: 'empty requestedAttributes', body: { comment: { text: 'hello' }, requestedAttributes: {} } },
        { name: 'a missing comment', body: { requestedAttributes: { TOXICITY: {} } } },
        {
          name: 'a scoreThreshold above 1',
          body: { comment: { text: 'hello' }, requestedAttributes: { TOXICITY: { scoreThreshold: 2 } } },
        },
      ];
      for (const c of cases) {
        it(`refuses ${c.name}`, async () => {
          const reply = await send(app, ANALYZE, {
            ...(c.raw !== undefined ? { raw: c.raw } : { json: c.body }),
            headers: asKey(analyst),
          });
          const error = expectPerspectiveError(reply, 400, 'INVALID_ARGUMENT');
          if (c.detail) expect(error.details?.[0]?.errorType).toBe(c.detail);
        });
      }

      it(`limits text to min(config, model maxChars) = ${limit} characters`, async () => {
        expect(limit).toBe(20_000);
        const ok = await analyze({
          comment: { text: englishOfLength(limit) },
          requestedAttributes: { TOXICITY: {} },
        });
        expect(ok.status, JSON.stringify(ok.body)).toBe(200);
        const tooLong = await analyze({
          comment: { text: englishOfLength(limit + 1) },
          requestedAttributes: { TOXICITY: {} },
        });
        expect(expectPerspectiveError(tooLong, 400, 'INVALID_ARGUMENT').message).toContain(String(limit));
      });
    });

    it('pins a model version with TOXICITY@<version> and refuses a version that does not exist', async () => {
      const champion = await toxicityOf(INSULT_TEXT);
      const version = manifest('toxicity-en').version;
      for (const pin of [`TOXICITY@${version.split('.')[0]}`, `TOXICITY@${version}`]) {
        const body = await analyzeOk({
          comment: { text: INSULT_TEXT },
          requestedAttributes: { [pin]: {} },
          doNotStore: true,
        });
        expect(sortedKeys(body.attributeScores)).toEqual([pin]);
        expect(body.attributeScores[pin]?.summaryScore).toEqual({ value: champion, type: 'PROBABILITY' });
      }
      const missing = await analyze({
        comment: { text: INSULT_TEXT },
        requestedAttributes: { 'TOXICITY@9': {} },
      });
      expect(expectPerspectiveError(missing, 400, 'INVALID_ARGUMENT').message).toContain('9');
      const garbled = await analyze({
        comment: { text: INSULT_TEXT },
        requestedAttributes: { 'TOXICITY@x': {} },
      });
      expectPerspectiveError(garbled, 400, 'INVALID_ARGUMENT');
    });

    describe('auth', () => {
      const request = {
        comment: { text: FRIENDLY_TEXT },
        requestedAttributes: { TOXICITY: {} },
        doNotStore: true,
      };

      it('answers 401 in Perspective’s shape without credentials or with a bad key', async () => {
        const none = await send(app, ANALYZE, { json: request });
        expectPerspectiveError(none, 401, 'UNAUTHENTICATED');
        expect(none.headers.get('www-authenticate')).toContain('Bearer');
        expectPerspectiveError(
          await send(app, `${ANALYZE}?key=not-a-key`, { json: request }),
          401,
          'UNAUTHENTICATED',
        );
        expectPerspectiveError(
          await send(app, ANALYZE, { json: request, headers: { Authorization: 'Bearer not.a.jwt' } }),
          401,
          'UNAUTHENTICATED',
        );
      });

      it('answers 403 in Perspective’s shape for a key without toxicity:analyze', async () => {
        expectPerspectiveError(await analyze(request, asKey(outsider)), 403, 'PERMISSION_DENIED');
        expectPerspectiveError(
          await send(app, `${ANALYZE}?key=${outsider}`, { json: request }),
          403,
          'PERMISSION_DENIED',
        );
      });

      it('accepts ?key=, X-API-Key and a Bearer JWT from /token', async () => {
        const viaQuery = await send<AnalyzeResponse>(app, `${ANALYZE}?key=${encodeURIComponent(analyst)}`, {
          json: request,
        });
        expect(viaQuery.status).toBe(200);
        const viaHeader = await analyze(request, asKey(analyst));
        expect(viaHeader.status).toBe(200);
        const viaJwt = await analyze(request, {
          Authorization: `Bearer ${await token('bob', 'battery staple')}`,
        });
        expect(viaJwt.status).toBe(200);
        const value = viaQuery.body.attributeScores.TOXICITY?.summaryScore.value;
        expect(typeof value).toBe('number');
        expect(viaHeader.body.attributeScores.TOXICITY?.summaryScore.value).toBe(value);
        expect(viaJwt.body.attributeScores.TOXICITY?.summaryScore.value).toBe(value);
      });
    });
  });

  describe('POST /v1/comments:batchAnalyze', () => {
    interface BatchResult {
      index: number;
      response?: AnalyzeResponse;
      error?: PerspectiveErrorBody['error'];
    }

    it('scores each item on its own: a bad one gets its error, the others their scores', async () => {
      const item = (text: string) => ({
        comment: { text },
        requestedAttributes: { TOXICITY: {} },
        doNotStore: true,
        clientToken: `batch-${text.length}`,
      });
      const reply = await send<{ results: BatchResult[] }>(app, BATCH, {
        json: { requests: [item(INSULT_TEXT), item(''), item(FRIENDLY_TEXT)] },
        headers: asKey(analyst),
      });
      expect(reply.status).toBe(200);
      const { results } = reply.body;
      expect(results).toHaveLength(3);
      expect(results.map((r) => r.index)).toEqual([0, 1, 2]);
      expect(sortedKeys(results[1]!)).toEqual(['error', 'index']);
      expect(results[1]!.error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
      for (const i of [0, 2]) expect(sortedKeys(results[i]!)).toEqual(['index', 'response']);
      const [insult, friendly] = [results[0]!.response!, results[2]!.response!];
      expect(insult.clientToken).toBe(`batch-${INSULT_TEXT.length}`);
      expect(insult.attributeScores.TOXICITY?.summaryScore.value).toBe(await toxicityOf(INSULT_TEXT));
      expect(friendly.attributeScores.TOXICITY?.summaryScore.value).toBe(await toxicityOf(FRIENDLY_TEXT));
    });

    it('gives a structurally invalid item its own error', async () => {
      const reply = await send<{ results: BatchResult[] }>(app, BATCH, {
        json: {
          requests: [
            'not an object',
            { comment: { text: FRIENDLY_TEXT }, requestedAttributes: { TOXICITY: {} } },
          ],
        },
        headers: asKey(analyst),
      });
      expect(reply.status).toBe(200);
      expect(reply.body.results[0]?.error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
      expect(reply.body.results[1]?.response?.attributeScores.TOXICITY).toBeDefined();
    });

    it('takes 100 requests and refuses 101 with a Perspective-shaped 400', async () => {
      const item = {
        comment: { text: 'Nice work.' },
        requestedAttributes: { TOXICITY: {} },
        doNotStore: true,
      };
      const hundred = await send<{ results: BatchResult[] }>(app, BATCH, {
        json: { requests: Array.from({ length: 100 }, () => item) },
        headers: asKey(analyst),
      });
      expect(hundred.status).toBe(200);
      expect(hundred.body.results.filter((r) => r.response)).toHaveLength(100);
      const tooMany = await send(app, BATCH, {
        json: { requests: Array.from({ length: 101 }, () => item) },
        headers: asKey(analyst),
      });
      expect(expectPerspectiveError(tooMany, 400, 'INVALID_ARGUMENT').message).toContain('100');
      expectPerspectiveError(
        await send(app, BATCH, { raw: '{', headers: asKey(analyst) }),
        400,
        'INVALID_ARGUMENT',
      );
      expectPerspectiveError(await send(app, BATCH, { json: { requests: [item] } }), 401, 'UNAUTHENTICATED');
    });
  });

  describe('POST /v1alpha1/comments:suggestscore', () => {
    it('stores the suggested scores as feedback, PII redacted, and echoes the clientToken', async () => {
      const reply = await send<Record<string, unknown>>(app, SUGGEST, {
        json: {
          comment: { text: 'Write to jane.doe@example.com, you are an idiot.' },
          attributeScores: {
            TOXICITY: { summaryScore: { value: 0.9 } },
            INSULT: { summaryScore: { value: 0.8 } },
          },
          clientToken: 'ct-suggest',
          communityId: 'community-7',
        },
        headers: asKey(analyst),
      });
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
      expect(reply.body.clientToken).toBe('ct-suggest');
      const docs = await storedFeedback('ct-suggest');
      expect(docs).toHaveLength(1);
      const doc = docs[0]!.data;
      expect(doc.text).not.toContain('jane.doe@example.com');
      expect(doc.text).toContain('[EMAIL]');
      expect(doc.text).toContain('you are an idiot');
      expect(doc.suggested).toEqual({ TOXICITY: 0.9, INSULT: 0.8 });
      expect(doc.communityId).toBe('community-7');
      expect(doc.language).toBe('en');
      expect(doc.createdAt.getTime()).toBe(t.now.value.getTime());
      expect(doc.expiresAt.getTime()).toBeGreaterThan(doc.createdAt.getTime());
      // Suggesting is not scoring: no prediction was written.
      expect(await storedPredictions('ct-suggest')).toEqual([]);
    });

    it('refuses an empty comment and a missing key in Perspective’s shape', async () => {
      const body = { comment: { text: '' }, attributeScores: { TOXICITY: { summaryScore: { value: 0.1 } } } };
      expectPerspectiveError(
        await send(app, SUGGEST, { json: body, headers: asKey(analyst) }),
        400,
        'INVALID_ARGUMENT',
      );
      expectPerspectiveError(await send(app, SUGGEST, { json: body }), 401, 'UNAUTHENTICATED');
    });
  });

  describe('prediction history', () => {
    it('stores one redacted, expiring prediction per scored comment, and nothing with doNotStore', async () => {
      const text = 'Mail jane.doe@example.com, you stupid idiot.';
      const skipped = await analyzeOk({
        comment: { text },
        requestedAttributes: { TOXICITY: {} },
        clientToken: 'ct-dns',
        doNotStore: true,
      });
      expect(skipped.clientToken).toBe('ct-dns');
      expect(await storedPredictions('ct-dns')).toEqual([]);

      const scored = await analyzeOk({
        comment: { text },
        requestedAttributes: { TOXICITY: {}, INSULT: {} },
        clientToken: 'ct-store',
        communityId: 'community-3',
      });
      const docs = await storedPredictions('ct-store');
      expect(docs).toHaveLength(1);
      const doc = docs[0]!.data;
      expect(doc.text).toBe(text.replace('jane.doe@example.com', '[EMAIL]'));
      expect(JSON.stringify(doc)).not.toContain('jane.doe');
      expect(doc.createdAt.getTime()).toBe(t.now.value.getTime());
      expect(doc.expiresAt.getTime() - doc.createdAt.getTime()).toBe(30 * DAY_MS);
      expect(doc.scores).toEqual({
        TOXICITY: scored.attributeScores.TOXICITY!.summaryScore.value,
        INSULT: scored.attributeScores.INSULT!.summaryScore.value,
      });
      expect(doc).toMatchObject({
        model: 'toxicity-en',
        version: manifest('toxicity-en').version,
        language: 'en',
        communityId: 'community-3',
      });
    });

    it('lists only the caller’s predictions for a client token (admin sees all), newest first, never expired ones', async () => {
      const t0 = new Date(t.now.value);
      const score = (key: string, text: string) =>
        analyzeOk(
          { comment: { text }, requestedAttributes: { TOXICITY: {} }, clientToken: 'ct-history' },
          asKey(key),
        );
      // The clock only moves forward (rate-limit buckets and tokens assume it), so it is not wound back.
      await score(analyst, 'First comment from the analyst, thanks.');
      t.now.value = new Date(t0.getTime() + 20 * DAY_MS);
      await score(analyst, 'Second comment from the analyst, thanks.');
      await score(analyst2, 'A comment from another caller.');

      const mine = await listPredictions('ct-history', asKey(analyst));
      expect(mine.map((p) => p.text)).toEqual([
        'Second comment from the analyst, thanks.',
        'First comment from the analyst, thanks.',
      ]);
      for (const p of mine) {
        expect(sortedKeys(p)).toEqual([
          'communityId',
          'createdAt',
          'expiresAt',
          'id',
          'language',
          'model',
          'scores',
          'text',
          'version',
        ]);
        expect(Date.parse(p.expiresAt) - Date.parse(p.createdAt)).toBe(30 * DAY_MS);
      }
      expect((await listPredictions('ct-history', asKey(analyst2))).map((p) => p.text)).toEqual([
        'A comment from another caller.',
      ]);
      expect(await listPredictions('ct-history', admin)).toHaveLength(3);
      expect(await listPredictions('ct-nobody', admin)).toEqual([]);

      // 31 days on, the first comment has expired; 51 days on, all of them.
      t.now.value = new Date(t0.getTime() + 31 * DAY_MS);
      expect((await listPredictions('ct-history', asKey(analyst))).map((p) => p.text)).toEqual([
        'Second comment from the analyst, thanks.',
      ]);
      expect(await listPredictions('ct-history', admin)).toHaveLength(2);
      t.now.value = new Date(t0.getTime() + 51 * DAY_MS);
      expect(await listPredictions('ct-history', admin)).toEqual([]);
      expect(await listPredictions('ct-history', asKey(analyst))).toEqual([]);
    });

    it('validates the query and needs credentials', async () => {
      const missing = await send<VigilErrorBody>(app, '/v1/predictions', { headers: admin });
      expect(missing.status).toBe(400);
      expect(missing.body.error.code).toBe('invalid_argument');
      expect((await send(app, '/v1/predictions?clientToken=x')).status).toBe(401);
      expect((await send(app, '/v1/predictions?clientToken=x', { headers: asKey(outsider) })).status).toBe(
        403,
      );
    });

    it('erases a data subject’s predictions and feedback (admin only) and reports the counts', async () => {
      const request = (text: string, clientToken: string) => ({
        comment: { text },
        requestedAttributes: { TOXICITY: {} },
        clientToken,
      });
      await analyzeOk(request('Erase this one, please.', 'ct-erase'), asKey(analyst));
      await analyzeOk(request('And this one from someone else.', 'ct-erase'), asKey(analyst2));
      await analyzeOk(request('Keep this one.', 'ct-keep'), asKey(analyst));
      const suggested = await send(app, SUGGEST, {
        json: {
          comment: { text: 'Erase this one, please.' },
          attributeScores: { TOXICITY: { summaryScore: { value: 0.1 } } },
          clientToken: 'ct-erase',
        },
        headers: asKey(analyst),
      });
      expect(suggested.status).toBe(200);
      expect(await listPredictions('ct-erase', admin)).toHaveLength(2);
      expect(await storedFeedback('ct-erase')).toHaveLength(1);

      const forbidden = await send<VigilErrorBody>(app, '/v1/data-subjects/ct-erase', {
        method: 'DELETE',
        headers: asKey(analyst),
      });
      expect(forbidden.status).toBe(403);
      expect(await listPredictions('ct-erase', admin)).toHaveLength(2);

      const erased = await send(app, '/v1/data-subjects/ct-erase', { method: 'DELETE', headers: admin });
      expect(erased.status).toBe(200);
      expect(erased.body).toEqual({ clientToken: 'ct-erase', deleted: { predictions: 2, feedback: 1 } });
      expect(await listPredictions('ct-erase', admin)).toEqual([]);
      expect(await storedPredictions('ct-erase')).toEqual([]);
      expect(await storedFeedback('ct-erase')).toEqual([]);
      expect(await listPredictions('ct-keep', admin)).toHaveLength(1);

      const again = await send(app, '/v1/data-subjects/ct-erase', { method: 'DELETE', headers: admin });
      expect(again.body).toEqual({ clientToken: 'ct-erase', deleted: { predictions: 0, feedback: 0 } });
    });
  });

  describe('seed 000 API', () => {
    it('issues a bearer token on POST /token (form) and scores on POST /predict', async () => {
      const tokenReply = await send<Record<string, unknown>>(app, '/token', {
        form: { username: 'alice', password: 'correct horse' },
      });
      expect(tokenReply.status).toBe(200);
      expect(tokenReply.body.token_type).toBe('bearer');
      expect(typeof tokenReply.body.access_token).toBe('string');
      const bearer = { Authorization: `Bearer ${tokenReply.body.access_token as string}` };
      const wrong = await send(app, '/token', { form: { username: 'alice', password: 'wrong' } });
      expect(wrong.status).toBe(401);

      const threshold = manifest('toxicity-en').heads[0]!.thresholds.toxic!;
      const predict = async (text: string) => {
        const reply = await send<{ text: string; is_toxic: boolean; score: number }>(app, '/predict', {
          json: { text },
          headers: bearer,
        });
        expect(reply.status, JSON.stringify(reply.body)).toBe(200);
        expect(sortedKeys(reply.body)).toEqual(['is_toxic', 'score', 'text']);
        expect(Number.isInteger(reply.body.score)).toBe(true);
        expect(reply.body.score).toBeGreaterThanOrEqual(0);
        expect(reply.body.score).toBeLessThanOrEqual(100);
        // The same model as the Perspective endpoint, on seed 000's 0–100 scale and the card's threshold.
        const probability = await toxicityOf(text);
        expect(reply.body.score).toBe(Math.round(probability * 100));
        expect(reply.body.is_toxic).toBe(probability >= threshold);
        return reply.body;
      };
      const insult = await predict(INSULT_TEXT);
      expect(insult.is_toxic).toBe(true);
      expect(insult.text).toBe(INSULT_TEXT);
      const friendly = await predict(FRIENDLY_TEXT);
      expect(friendly.is_toxic).toBe(false);
      expect(friendly.score).toBeLessThan(insult.score);
      // Seed 000's own example and other middling comments: the 0–100 score is rounded, not truncated.
      for (const text of ['This is a test comment', 'great job', 'lol']) await predict(text);
      const redacted = await predict('Contact me at jane.doe@example.com please.');
      expect(redacted.text).toBe('Contact me at [EMAIL] please.');
    });

    it('answers /predict without a token with 401 in vigil’s envelope', async () => {
      const reply = await send<VigilErrorBody>(app, '/predict', { json: { text: INSULT_TEXT } });
      expect(reply.status).toBe(401);
      expect(sortedKeys(reply.body.error)).toEqual(['code', 'message', 'requestId']);
      expect(reply.body.error.code).toBe('unauthenticated');
      const empty = await send<VigilErrorBody>(app, '/predict', {
        json: { text: '  ' },
        headers: asKey(analyst),
      });
      expect(empty.status).toBe(400);
      expect(empty.body.error.code).toBe('invalid_argument');
    });

    it('describes the serving model on GET /model/info', async () => {
      const en = manifest('toxicity-en');
      const fr = manifest('toxicity-fr');
      const reply = await send<Record<string, unknown>>(app, '/model/info', { headers: asKey(analyst) });
      expect(reply.status).toBe(200);
      const info = reply.body;
      expect(sortedKeys(info)).toEqual([
        'labels',
        'languages',
        'metrics',
        'model_name',
        'models',
        'thresholds',
        'trained_at',
        'version',
      ]);
      expect(info).toMatchObject({
        model_name: en.name,
        version: en.version,
        labels: en.heads[0]!.labels,
        thresholds: en.heads[0]!.thresholds,
        trained_at: en.createdAt,
      });
      expect([...(info.languages as string[])].sort()).toEqual(['en', 'fr']);
      expect(info.models).toEqual([
        { name: en.name, version: en.version, languages: en.languages },
        { name: fr.name, version: fr.version, languages: fr.languages },
      ]);
      const metrics = info.metrics as { dataset: string; split: string; metric: string; value: number }[];
      expect(metrics.length).toBeGreaterThan(0);
      for (const m of metrics) {
        expect(typeof m.dataset).toBe('string');
        expect(typeof m.metric).toBe('string');
        expect(typeof m.value).toBe('number');
      }
      expect((await send(app, '/model/info')).status).toBe(401);
    });

    it('reloads the champions on POST /model/refresh for admins only', async () => {
      const reply = await send<{ models: { name: string; previous: string | null; current: string }[] }>(
        app,
        '/model/refresh',
        { method: 'POST', headers: admin },
      );
      expect(reply.status).toBe(200);
      expect(reply.body.models).toEqual(
        ['toxicity-en', 'toxicity-fr', 'language-id'].map((name) => ({
          name,
          previous: manifest(name).version,
          current: manifest(name).version,
        })),
      );
      // Scoring still works after the swap.
      expect(await toxicityOf(INSULT_TEXT)).toBeGreaterThan(0.5);
      const forbidden = await send<VigilErrorBody>(app, '/model/refresh', {
        method: 'POST',
        headers: asKey(analyst),
      });
      expect(forbidden.status).toBe(403);
      expect(forbidden.body.error.code).toBe('permission_denied');
    });
  });

  it('counts predictions in vigil_predictions_total on /metrics', async () => {
    const read = async () => {
      const reply = await send<string>(app, '/metrics');
      expect(reply.status).toBe(200);
      return reply.body;
    };
    const before = await read();
    await toxicityOf(INSULT_TEXT);
    await toxicityOf(FRIENDLY_TEXT);
    await toxicityOf(FRIENDLY_TEXT);
    const after = await read();
    const labels = { function: 'toxicity', model: `toxicity-en@${manifest('toxicity-en').version}` };
    expect(predictionsTotal(after, labels) - predictionsTotal(before, labels)).toBe(3);
    const toxic = { ...labels, label: 'toxic' };
    const notToxic = { ...labels, label: 'not_toxic' };
    expect(predictionsTotal(after, toxic) - predictionsTotal(before, toxic)).toBe(1);
    expect(predictionsTotal(after, notToxic) - predictionsTotal(before, notToxic)).toBe(2);
  });

  it('documents every route in /openapi.json, colon paths included', async () => {
    const reply = await send<{ paths: Record<string, Record<string, unknown>> }>(app, '/openapi.json');
    expect(reply.status).toBe(200);
    const routes = Object.entries(reply.body.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(routes.sort()).toEqual(
      [
        'POST /v1alpha1/comments:analyze',
        'POST /v1alpha1/comments:suggestscore',
        'POST /v1/comments:batchAnalyze',
        'POST /token',
        'POST /predict',
        'GET /model/info',
        'POST /model/refresh',
        'GET /v1/predictions',
        'DELETE /v1/data-subjects/{clientToken}',
        'GET /drift',
        'GET /models/{name}/versions',
        'PUT /models/{name}/champion',
      ].sort(),
    );
  });
});

describe('toxicity function with VIGIL_STORE_PREDICTIONS=false and a config limit above the model’s', () => {
  let t: TestPlatform;
  let app: FetchApp;
  const admin = { 'X-API-Key': BOOTSTRAP };

  beforeAll(async () => {
    ({ t, app } = await start({ VIGIL_STORE_PREDICTIONS: 'false', VIGIL_TEXT_MAX_CHARS: '100000' }));
  });
  afterAll(() => t?.cleanup());

  it('scores but stores nothing', async () => {
    const reply = await send<AnalyzeResponse>(app, ANALYZE, {
      json: {
        comment: { text: 'Mail jane.doe@example.com, you stupid idiot.' },
        requestedAttributes: { TOXICITY: {} },
        clientToken: 'ct-off',
        doNotStore: false,
      },
      headers: admin,
    });
    expect(reply.status).toBe(200);
    expect(reply.body.attributeScores.TOXICITY?.summaryScore.value).toBeGreaterThan(0.5);
    const batch = await send(app, BATCH, {
      json: {
        requests: [
          { comment: { text: 'Nice.' }, requestedAttributes: { TOXICITY: {} }, clientToken: 'ct-off' },
        ],
      },
      headers: admin,
    });
    expect(batch.status).toBe(200);
    const predicted = await send<{ text: string }>(app, '/predict', {
      json: { text: 'Mail jane.doe@example.com, you idiot.' },
      headers: admin,
    });
    expect(predicted.status).toBe(200);
    expect(predicted.body.text).toBe('Mail [EMAIL], you idiot.');
    const suggested = await send(app, '/v1alpha1/comments:suggestscore', {
      json: {
        comment: { text: 'Mail jane.doe@example.com' },
        attributeScores: { TOXICITY: { summaryScore: { value: 0.1 } } },
        clientToken: 'ct-off',
      },
      headers: admin,
    });
    expect(suggested.status).toBe(200);
    expect(await t.platform.documents.collection('feedback').query()).toEqual([]);
    expect(await t.platform.documents.collection('predictions').query()).toEqual([]);
    const listed = await send<{ predictions: unknown[] }>(app, '/v1/predictions?clientToken=ct-off', {
      headers: admin,
    });
    expect(listed.body.predictions).toEqual([]);
  });

  it('still caps text at the model’s maxChars', async () => {
    const limit = manifest('toxicity-en').limits.maxChars;
    const over = await send(app, ANALYZE, {
      json: { comment: { text: englishOfLength(limit + 1) }, requestedAttributes: { TOXICITY: {} } },
      headers: admin,
    });
    expectPerspectiveError(over, 400, 'INVALID_ARGUMENT');
  });
});

describe('toxicity function with a config text limit below the model’s', () => {
  let t: TestPlatform;
  let app: FetchApp;
  const admin = { 'X-API-Key': BOOTSTRAP };
  const LIMIT = 60;

  beforeAll(async () => {
    ({ t, app } = await start({ VIGIL_TEXT_MAX_CHARS: String(LIMIT) }));
  });
  afterAll(() => t?.cleanup());

  it('caps text at VIGIL_TEXT_MAX_CHARS on every scoring route', async () => {
    const analyze = (text: string) =>
      send(app, ANALYZE, {
        json: { comment: { text }, requestedAttributes: { TOXICITY: {} } },
        headers: admin,
      });
    expect((await analyze(englishOfLength(LIMIT))).status).toBe(200);
    expect(
      expectPerspectiveError(await analyze(englishOfLength(LIMIT + 1)), 400, 'INVALID_ARGUMENT').message,
    ).toContain(String(LIMIT));
    const predict = (text: string) =>
      send<VigilErrorBody>(app, '/predict', { json: { text }, headers: admin });
    expect((await predict(englishOfLength(LIMIT))).status).toBe(200);
    const over = await predict(englishOfLength(LIMIT + 1));
    expect(over.status).toBe(400);
    expect(over.body.error.code).toBe('invalid_argument');
  });
});
