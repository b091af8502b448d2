/**
 * `drift-check`: a batch file finalized under `drift/<model>/…` is scored by the champion and compared
 * with its baseline; a scheduled message on `drift-checks` checks the stored predictions of each model
 * (or of `{"models": [...]}`). Redelivered events are skipped (`processedEvents`, by event id).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  MalformedEventError,
  PUBSUB_PUBLISHED,
  pubsubMessageOf,
  STORAGE_FINALIZED,
  storageObjectOf,
} from '../../shared/mlops/cloud-events.js';
import { datasetFormat } from '../../shared/mlops/datasets.js';
import { type DriftCheckDeps, type DriftSummary, runDriftCheck } from '../../shared/mlops/drift-check.js';
import { COLLECTIONS } from '../../shared/ports/collections.js';
import type { CloudEventHandler } from '../../shared/runtime/function.js';

export const DRIFT_PREFIX = 'drift/';
/** Models whose predictions are checked when a scheduled message names none. */
export const DRIFT_MODELS = ['toxicity-en', 'toxicity-fr', 'hate-speech'] as const;

const ScheduledRequest = z.object({ models: z.array(z.enum(DRIFT_MODELS)).min(1).optional() }).nullable();

export function createDriftCheckHandler(
  deps: DriftCheckDeps & { onSummary?: (s: DriftSummary) => void },
): CloudEventHandler {
  const processed = deps.documents.collection<{ state: string; updatedAt: Date }>(
    COLLECTIONS.processedEvents,
  );
  return async function driftCheck(event) {
    const id = `drift-check:${createHash('sha256').update(`${event.source}\n${event.id}`).digest('hex').slice(0, 40)}`;
    const log = deps.logger.child({ eventId: event.id });
    if ((await processed.get(id))?.state === 'done') {
      log.info('duplicate event ignored');
      return;
    }
    const jobs: { model: string; source: Parameters<typeof runDriftCheck>[2] }[] = [];
    try {
      if (event.type === STORAGE_FINALIZED) {
        const { name } = storageObjectOf(event);
        const model = name.slice(DRIFT_PREFIX.length).split('/')[0] ?? '';
        if (
          !name.startsWith(DRIFT_PREFIX) ||
          !datasetFormat(name) ||
          !(DRIFT_MODELS as readonly string[]).includes(model)
        ) {
          log.debug('event ignored: not a drift batch file');
          return;
        }
        jobs.push({ model, source: { kind: 'batch', object: name } });
      } else if (event.type === PUBSUB_PUBLISHED) {
        const parsed = ScheduledRequest.safeParse(pubsubMessageOf(event).data);
        if (!parsed.success) {
          log.warn('drift request ignored: invalid payload');
          return;
        }
        for (const model of parsed.data?.models ?? DRIFT_MODELS)
          jobs.push({ model, source: { kind: 'predictions' } });
      } else {
        log.warn('event ignored: unexpected type', { type: event.type });
        return;
      }
    } catch (error) {
      if (error instanceof MalformedEventError) {
        log.warn('event ignored: malformed', { type: event.type });
        return;
      }
      throw error;
    }
    for (const job of jobs) {
      const summary = await runDriftCheck({ ...deps, logger: log }, job.model, job.source);
      deps.onSummary?.(summary);
    }
    await processed.set(id, { state: 'done', updatedAt: deps.clock() });
  };
}
