/**
 * The two CloudEvent shapes the MLOps loop receives — a Cloud Storage object finalized, a Pub/Sub
 * message published — parsed from `unknown`, and built the same way by local mode and tests.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { BlobInfo } from '../ports/blobs.js';
import type { VigilCloudEvent } from '../runtime/function.js';

export const STORAGE_FINALIZED = 'google.cloud.storage.object.v1.finalized';
export const PUBSUB_PUBLISHED = 'google.cloud.pubsub.topic.v1.messagePublished';

/** Topics of the loop (Terraform creates them; the emulator and the in-process bus on demand). */
export const TOPICS = { retrainRequests: 'retrain-requests', driftChecks: 'drift-checks' } as const;

const StorageObject = z.object({
  bucket: z.string().min(1),
  name: z.string().min(1),
  // GCS sends int64 fields as strings; the legacy shape may carry numbers.
  generation: z.union([z.string(), z.number()]).transform(String),
  size: z.union([z.string(), z.number()]).transform(Number).optional(),
  contentType: z.string().optional(),
  md5Hash: z.string().optional(),
});
export type StorageObject = z.infer<typeof StorageObject>;

const PubSubEnvelope = z.object({
  message: z.object({
    data: z.string().optional(),
    attributes: z.record(z.string(), z.string()).optional(),
    messageId: z.string().optional(),
    publishTime: z.string().optional(),
  }),
  subscription: z.string().optional(),
});

export class MalformedEventError extends Error {
  override name = 'MalformedEventError';
}

/** The object of a finalized event; throws `MalformedEventError` (not worth retrying) otherwise. */
export function storageObjectOf(event: VigilCloudEvent): StorageObject {
  const parsed = StorageObject.safeParse(event.data);
  if (!parsed.success) throw new MalformedEventError(`event ${event.id} carries no storage object`);
  return parsed.data;
}

/** The JSON payload and attributes of a Pub/Sub push; throws `MalformedEventError` otherwise. */
export function pubsubMessageOf(event: VigilCloudEvent): {
  data: unknown;
  attributes: Record<string, string>;
  messageId: string;
} {
  const parsed = PubSubEnvelope.safeParse(event.data);
  if (!parsed.success) throw new MalformedEventError(`event ${event.id} carries no Pub/Sub message`);
  const { message } = parsed.data;
  let data: unknown = null;
  if (message.data) {
    try {
      data = JSON.parse(Buffer.from(message.data, 'base64').toString('utf8'));
    } catch {
      throw new MalformedEventError(`event ${event.id}: message data is not base64 JSON`);
    }
  }
  return { data, attributes: message.attributes ?? {}, messageId: message.messageId ?? event.id };
}

/** The event Cloud Storage (through Eventarc) sends when an object is written. */
export function storageFinalizedEvent(bucket: string, info: BlobInfo): VigilCloudEvent<StorageObject> {
  return {
    id: randomUUID(),
    source: `//storage.googleapis.com/projects/_/buckets/${bucket}`,
    type: STORAGE_FINALIZED,
    subject: `objects/${info.name}`,
    time: info.updated.toISOString(),
    data: {
      bucket,
      name: info.name,
      generation: info.generation,
      size: info.size,
      contentType: info.contentType,
    },
  };
}

/** The event a Pub/Sub push subscription (through Eventarc) delivers for one message. */
export function pubsubPublishedEvent(
  topic: string,
  message: { id: string; data: unknown; attributes?: Record<string, string>; publishTime?: Date },
  project = 'local',
): VigilCloudEvent {
  return {
    id: message.id,
    source: `//pubsub.googleapis.com/projects/${project}/topics/${topic}`,
    type: PUBSUB_PUBLISHED,
    time: (message.publishTime ?? new Date()).toISOString(),
    data: {
      message: {
        data: Buffer.from(JSON.stringify(message.data)).toString('base64'),
        attributes: message.attributes ?? {},
        messageId: message.id,
        publishTime: (message.publishTime ?? new Date()).toISOString(),
      },
      subscription: `projects/${project}/subscriptions/${topic}-push`,
    },
  };
}
