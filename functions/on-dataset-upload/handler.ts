/**
 * `on-dataset-upload`: a labelled file finalized under `datasets/<model>/…` is validated; a bad one gets
 * `<file>.validation.json` beside it, a good one a report there too and a retrain request on Pub/Sub.
 * Idempotent on `bucket/name#generation`; events outside the prefix are acknowledged and ignored.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../../shared/logging/logger.js';
import { MalformedEventError, storageObjectOf, TOPICS } from '../../shared/mlops/cloud-events.js';
import type { DatasetLimits } from '../../shared/mlops/config.js';
import { type DatasetValidation, emptyStats, validateDataset } from '../../shared/mlops/datasets.js';
import type { RetrainRequest } from '../../shared/mlops/retrain.js';
import type { BlobStore } from '../../shared/ports/blobs.js';
import { COLLECTIONS } from '../../shared/ports/collections.js';
import type { DocumentStore } from '../../shared/ports/documents.js';
import type { EventBus } from '../../shared/ports/events.js';
import type { CloudEventHandler } from '../../shared/runtime/function.js';
import type { TextModelManifest } from '../../shared/text/manifest.js';

export const DATASETS_PREFIX = 'datasets/';
export const REPORT_SUFFIX = '.validation.json';
/** Models a dataset upload may retrain. */
export const TRAINABLE_MODELS = ['toxicity-en', 'toxicity-fr', 'hate-speech'] as const;

export interface DatasetUploadDeps {
  blobs: BlobStore;
  documents: DocumentStore;
  events: EventBus;
  logger: Logger;
  clock: () => Date;
  limits: DatasetLimits;
  /** The champion's manifest (its heads name the columns); null for a model that does not exist. */
  manifest: (model: string) => Promise<TextModelManifest | null>;
}

interface ProcessedEvent {
  key: string;
  state: 'started' | 'done';
  outcome: string;
  updatedAt: Date;
}

export interface ValidationReport extends Omit<DatasetValidation, 'model'> {
  schema: 'vigil.dataset-validation/1';
  object: string;
  generation: string;
  model: string;
  checkedAt: string;
  retrainRequested: string | null;
}

/**
 * @example
 *   functions.cloudEvent('on-dataset-upload', createDatasetUploadHandler(deps));
 */
export function createDatasetUploadHandler(deps: DatasetUploadDeps): CloudEventHandler {
  const processed = deps.documents.collection<ProcessedEvent>(COLLECTIONS.processedEvents);
  return async function onDatasetUpload(event) {
    let object: ReturnType<typeof storageObjectOf>;
    try {
      object = storageObjectOf(event);
    } catch (error) {
      if (error instanceof MalformedEventError) {
        deps.logger.warn('event ignored: not a storage object', { eventId: event.id, type: event.type });
        return;
      }
      throw error;
    }
    const { bucket, name, generation } = object;
    const log = deps.logger.child({ eventId: event.id, object: name, generation });
    if (!name.startsWith(DATASETS_PREFIX) || name.endsWith(REPORT_SUFFIX) || name.endsWith('/')) {
      log.debug('event ignored: outside datasets/ or a report');
      return;
    }
    const key = `${bucket}/${name}#${generation}`;
    const id = `on-dataset-upload:${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;
    const seen = await processed.get(id);
    if (seen?.state === 'done') {
      log.info('duplicate event ignored', { outcome: seen.outcome });
      return;
    }
    await processed.set(id, { key, state: 'started', outcome: '', updatedAt: deps.clock() });
    const outcome = await handle(deps, { bucket, name, generation, size: object.size }, log);
    await processed.set(id, { key, state: 'done', outcome, updatedAt: deps.clock() });
  };
}

async function handle(
  deps: DatasetUploadDeps,
  object: { bucket: string; name: string; generation: string; size: number | undefined },
  log: Logger,
): Promise<string> {
  const model = object.name.slice(DATASETS_PREFIX.length).split('/')[0] ?? '';
  const report = async (validation: Omit<DatasetValidation, 'model'>, retrainRequested: string | null) => {
    const body: ValidationReport = {
      schema: 'vigil.dataset-validation/1',
      object: object.name,
      generation: object.generation,
      model,
      checkedAt: deps.clock().toISOString(),
      retrainRequested,
      ...validation,
    };
    await deps.blobs.put(
      `${object.name}${REPORT_SUFFIX}`,
      Buffer.from(`${JSON.stringify(body, null, 2)}\n`),
      {
        contentType: 'application/json',
      },
    );
  };
  const rejected = async (problem: DatasetValidation['problems'][number]) => {
    await report(
      { ok: false, format: 'csv', problems: [problem], stats: emptyStats(object.size ?? 0) },
      null,
    );
    log.warn('dataset rejected', { model, check: problem.check });
    return `rejected: ${problem.check}`;
  };

  const manifest = (TRAINABLE_MODELS as readonly string[]).includes(model)
    ? await deps.manifest(model)
    : null;
  if (!manifest)
    return rejected({
      check: 'schema',
      message: `datasets/<model>/… needs a trainable model name; one of ${TRAINABLE_MODELS.join(', ')}`,
    });
  if (object.size !== undefined && object.size > deps.limits.maxBytes)
    return rejected({
      check: 'size',
      message: `${object.size} bytes, over the ${deps.limits.maxBytes}-byte limit`,
    });
  const blob = await deps.blobs.get(object.name);
  if (!blob || blob.info.generation !== object.generation) {
    // Deleted or overwritten since: the newer generation has its own event.
    log.info('event ignored: the object changed since', { current: blob?.info.generation ?? null });
    return 'stale';
  }
  const { validation } = validateDataset(blob.data, object.name, manifest, deps.limits);
  const { model: _model, ...rest } = validation;
  if (!validation.ok) {
    await report(rest, null);
    log.warn('dataset rejected', {
      model,
      rows: validation.stats.rows,
      checks: [...new Set(validation.problems.map((p) => p.check))].join(','),
    });
    return `rejected: ${validation.problems.map((p) => p.check).join(',')}`;
  }
  const request: RetrainRequest = {
    model,
    upload: { bucket: object.bucket, name: object.name, generation: object.generation },
    requestedBy: 'on-dataset-upload',
  };
  const messageId = await deps.events.publish(TOPICS.retrainRequests, request, { model });
  await report(rest, messageId);
  log.info('dataset accepted; retrain requested', { model, rows: validation.stats.rows, messageId });
  return `retrain requested: ${messageId}`;
}
