/**
 * `retrain`: a retrain request (Pub/Sub message → CloudEvent) runs the retraining pipeline here, or —
 * when `VIGIL_RETRAIN_JOB` names a Cloud Run job — launches that job with the request and returns.
 */
import { z } from 'zod';
import type { Logger } from '../../shared/logging/logger.js';
import { MalformedEventError, pubsubMessageOf } from '../../shared/mlops/cloud-events.js';
import { type RetrainDeps, type RetrainRequest, runRetrain } from '../../shared/mlops/retrain.js';
import type { CloudEventHandler } from '../../shared/runtime/function.js';
import { TRAINABLE_MODELS } from '../on-dataset-upload/handler.js';

export const RetrainRequestSchema = z.object({
  model: z.enum(TRAINABLE_MODELS),
  upload: z
    .object({ bucket: z.string().min(1), name: z.string().min(1).max(1024), generation: z.string().min(1) })
    .nullable(),
  requestedBy: z.string().min(1).max(200),
});

export interface RetrainHandlerDeps extends RetrainDeps {
  /** Set: hand the request to this job (long runs) instead of training in the function. */
  launchJob?: (request: RetrainRequest) => Promise<string>;
}

export function parseRetrainRequest(data: unknown): RetrainRequest | null {
  const parsed = RetrainRequestSchema.safeParse(data);
  return parsed.success ? parsed.data : null;
}

export function createRetrainHandler(deps: RetrainHandlerDeps): CloudEventHandler {
  return async function retrain(event) {
    let message: ReturnType<typeof pubsubMessageOf>;
    try {
      message = pubsubMessageOf(event);
    } catch (error) {
      if (error instanceof MalformedEventError) {
        deps.logger.warn('event ignored: not a Pub/Sub message', { eventId: event.id, type: event.type });
        return;
      }
      throw error;
    }
    const request = parseRetrainRequest(message.data);
    if (!request) {
      // Retrying a malformed request cannot help: acknowledge it.
      deps.logger.warn('retrain request ignored: invalid payload', {
        eventId: event.id,
        messageId: message.messageId,
      });
      return;
    }
    const log: Logger = deps.logger.child({ messageId: message.messageId });
    if (deps.launchJob) {
      const execution = await deps.launchJob(request);
      log.info('retrain job launched', { model: request.model, execution });
      return;
    }
    const outcome = await runRetrain({ ...deps, logger: log }, request);
    log.info('retrain finished', { model: request.model, status: outcome.status, version: outcome.version });
  };
}

/**
 * Starts a Cloud Run job execution with the request in `VIGIL_RETRAIN_REQUEST` (Cloud Run Admin API v2,
 * token from the metadata server). The job runs `node dist/scripts/mlops/retrain-job.js`.
 */
export function cloudRunJobLauncher(
  job: string,
  fetchImpl: typeof fetch = fetch,
): (request: RetrainRequest) => Promise<string> {
  return async (request) => {
    const tokenRes = await fetchImpl(
      'http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token',
      { headers: { 'Metadata-Flavor': 'Google' } },
    );
    if (!tokenRes.ok) throw new Error(`metadata token: HTTP ${tokenRes.status}`);
    const { access_token } = (await tokenRes.json()) as { access_token: string };
    const res = await fetchImpl(`https://run.googleapis.com/v2/${job}:run`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${access_token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        overrides: {
          containerOverrides: [{ env: [{ name: 'VIGIL_RETRAIN_REQUEST', value: JSON.stringify(request) }] }],
        },
      }),
    });
    if (!res.ok) throw new Error(`launching ${job}: HTTP ${res.status}`);
    const operation = (await res.json()) as { name?: string };
    return operation.name ?? 'unknown';
  };
}
