/** The retrain handler's job path and the payloads event handlers acknowledge without work. */
import { describe, expect, it } from 'vitest';
import {
  cloudRunJobLauncher,
  createRetrainHandler,
  type RetrainHandlerDeps,
} from '../../functions/retrain/handler.js';
import { createMemoryLogger } from '../../shared/logging/logger.js';
import { pubsubPublishedEvent, TOPICS } from '../../shared/mlops/cloud-events.js';
import type { RetrainRequest } from '../../shared/mlops/retrain.js';

const JOB = 'projects/p/locations/europe-west1/jobs/vigil-retrain';
const request: RetrainRequest = {
  model: 'toxicity-en',
  upload: { bucket: 'b', name: 'datasets/toxicity-en/x.csv', generation: '7' },
  requestedBy: 'on-dataset-upload',
};

describe('cloudRunJobLauncher', () => {
  it('runs the job with the request in its environment, authorised by the metadata server token', async () => {
    const calls: { url: string; init: RequestInit | undefined }[] = [];
    const fakeFetch = (async (url: string, init?: RequestInit) => {
      calls.push({ url, init });
      if (url.includes('metadata.google.internal')) return Response.json({ access_token: 'tok' });
      return Response.json({ name: 'operations/123' });
    }) as typeof fetch;
    const execution = await cloudRunJobLauncher(JOB, fakeFetch)(request);
    expect(execution).toBe('operations/123');
    expect(calls[0]?.init?.headers).toEqual({ 'Metadata-Flavor': 'Google' });
    expect(calls[1]?.url).toBe(`https://run.googleapis.com/v2/${JOB}:run`);
    expect(calls[1]?.init?.headers).toMatchObject({ Authorization: 'Bearer tok' });
    const body = JSON.parse(String(calls[1]?.init?.body));
    const env = body.overrides.containerOverrides[0].env;
    expect(env).toEqual([{ name: 'VIGIL_RETRAIN_REQUEST', value: JSON.stringify(request) }]);
  });

  it('throws (so the message is retried) when the launch fails', async () => {
    const fakeFetch = (async (url: string) =>
      url.includes('metadata')
        ? Response.json({ access_token: 't' })
        : new Response('no', { status: 403 })) as typeof fetch;
    await expect(cloudRunJobLauncher(JOB, fakeFetch)(request)).rejects.toThrow('HTTP 403');
  });
});

describe('createRetrainHandler', () => {
  function handler() {
    const launched: RetrainRequest[] = [];
    const logger = createMemoryLogger();
    const deps = {
      logger,
      launchJob: async (r: RetrainRequest) => {
        launched.push(r);
        return 'operations/1';
      },
    } as unknown as RetrainHandlerDeps;
    return { run: createRetrainHandler(deps), launched, logger };
  }

  it('hands a valid request to the job', async () => {
    const { run, launched } = handler();
    await run(pubsubPublishedEvent(TOPICS.retrainRequests, { id: '1', data: request }));
    expect(launched).toEqual([request]);
  });

  it.each([
    ['an unknown model', { ...request, model: 'image-classifier' }],
    ['a missing upload field', { model: 'toxicity-en', requestedBy: 'x' }],
    ['a non-object payload', 'retrain please'],
  ])('acknowledges %s without work', async (_name, data) => {
    const { run, launched, logger } = handler();
    await run(pubsubPublishedEvent(TOPICS.retrainRequests, { id: '2', data }));
    expect(launched).toEqual([]);
    expect(logger.lines.at(-1)).toMatchObject({
      severity: 'WARNING',
      message: 'retrain request ignored: invalid payload',
    });
  });

  it('acknowledges an event that is not a Pub/Sub message', async () => {
    const { run, launched } = handler();
    await run({
      id: '3',
      source: 's',
      type: 'google.cloud.storage.object.v1.finalized',
      data: { bucket: 'b' },
    });
    expect(launched).toEqual([]);
  });
});
