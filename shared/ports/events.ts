/** Events port: topics with at-least-once delivery, retries and a dead-letter path. */

export interface EventMessage {
  id: string;
  /** Parsed JSON payload. */
  data: unknown;
  attributes: Record<string, string>;
  /** 1 on first delivery. */
  deliveryAttempt: number;
  publishTime: Date;
}

/** Throw to nack (the message is redelivered); return to ack. */
export type EventHandler = (message: EventMessage) => Promise<void>;

export interface SubscribeOptions {
  /** After this many failed deliveries the message goes to `deadLetterTopic` (default 5, range 5..100 on Pub/Sub). */
  maxDeliveryAttempts?: number;
  /** Topic receiving messages that exhausted their attempts; defaults to `<topic>.dead-letter`. */
  deadLetterTopic?: string;
  /** Upper bound on concurrently running handlers (default 10). */
  maxConcurrency?: number;
}

export interface Subscription {
  readonly name: string;
  close(): Promise<void>;
}

export interface EventBus {
  readonly kind: 'pubsub' | 'in-process';
  /** Resolves with the message id once the bus has accepted the message. */
  publish(topic: string, data: unknown, attributes?: Record<string, string>): Promise<string>;
  subscribe(
    topic: string,
    subscription: string,
    handler: EventHandler,
    options?: SubscribeOptions,
  ): Promise<Subscription>;
  close(): Promise<void>;
}

const TOPIC_NAME = /^[A-Za-z][A-Za-z0-9._~%+-]{2,254}$/;

export class InvalidTopicNameError extends Error {
  override name = 'InvalidTopicNameError';
}

export function assertTopicName(name: string): void {
  if (!TOPIC_NAME.test(name) || name.toLowerCase().startsWith('goog')) {
    throw new InvalidTopicNameError(`invalid topic or subscription name "${name}"`);
  }
}

export function deadLetterTopicFor(topic: string): string {
  return `${topic}.dead-letter`;
}

/** Max published payload, matching Pub/Sub's 10 MB message limit minus attribute headroom. */
export const MAX_EVENT_BYTES = 9 * 1024 * 1024;

/** Serialises data and copies attributes for publishing; shared so both adapters reject the same inputs. */
export function encodeEvent(
  data: unknown,
  attributes: Record<string, string> = {},
): { data: Buffer; attributes: Record<string, string> } {
  let json: string | undefined;
  try {
    json = JSON.stringify(data);
  } catch (error) {
    throw new TypeError(`event data is not JSON-serialisable: ${(error as Error).message}`);
  }
  // JSON.stringify returns undefined (not a string) for undefined, functions and symbols.
  if (json === undefined) throw new TypeError(`event data is not JSON-serialisable (${typeof data})`);
  const bytes = Buffer.from(json, 'utf8');
  if (bytes.length > MAX_EVENT_BYTES) {
    throw new RangeError(`event data is ${bytes.length} bytes, over the ${MAX_EVENT_BYTES}-byte limit`);
  }
  const copy: Record<string, string> = {};
  for (const [key, value] of Object.entries(attributes)) {
    // Pub/Sub reserves "goog*" keys and only carries string values; reject both everywhere.
    if (key === '' || key.toLowerCase().startsWith('goog') || typeof value !== 'string') {
      throw new TypeError(
        `invalid event attribute "${key}": keys must not start with "goog", values must be strings`,
      );
    }
    copy[key] = value;
  }
  return { data: bytes, attributes: copy };
}

/** Validates names and fills SubscribeOptions defaults; Pub/Sub's 5..100 attempt range applies to every adapter. */
export function resolveSubscribeOptions(
  topic: string,
  subscription: string,
  options: SubscribeOptions = {},
): Required<SubscribeOptions> {
  assertTopicName(topic);
  assertTopicName(subscription);
  const maxDeliveryAttempts = options.maxDeliveryAttempts ?? 5;
  if (!Number.isInteger(maxDeliveryAttempts) || maxDeliveryAttempts < 5 || maxDeliveryAttempts > 100) {
    throw new RangeError(`maxDeliveryAttempts must be an integer in 5..100, got ${maxDeliveryAttempts}`);
  }
  const deadLetterTopic = options.deadLetterTopic ?? deadLetterTopicFor(topic);
  assertTopicName(deadLetterTopic);
  if (deadLetterTopic === topic) {
    throw new InvalidTopicNameError(`dead-letter topic must differ from "${topic}"`);
  }
  const maxConcurrency = options.maxConcurrency ?? 10;
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1) {
    throw new RangeError(`maxConcurrency must be a positive integer, got ${maxConcurrency}`);
  }
  return { maxDeliveryAttempts, deadLetterTopic, maxConcurrency };
}

/** Attributes an adapter adds when it forwards a message to the dead-letter topic (originals are kept). */
export function deadLetterAttributes(
  original: Record<string, string>,
  source: { topic: string; subscription: string; deliveryAttempts: number; error: unknown },
): Record<string, string> {
  const message = source.error instanceof Error ? source.error.message : String(source.error);
  return {
    ...original,
    'vigil-source-topic': source.topic,
    'vigil-source-subscription': source.subscription,
    'vigil-delivery-attempts': String(source.deliveryAttempts),
    'vigil-last-error': message.slice(0, 200),
  };
}
