/** Google Cloud Pub/Sub EventBus: streaming pull, server-side retry/dead-letter policies, adapter-side dead-lettering. */
import type { Message, PubSub, Subscription as PubSubSubscription, Topic } from '@google-cloud/pubsub';
import {
  assertTopicName,
  deadLetterAttributes,
  type EventBus,
  type EventHandler,
  type EventMessage,
  encodeEvent,
  resolveSubscribeOptions,
  type SubscribeOptions,
  type Subscription,
} from '../../ports/events.js';

/*
 * Dead-lettering happens in two layers (checked against the gcloud Pub/Sub emulator, which honours
 * `deadLetterPolicy` and fills `message.deliveryAttempt` exactly like production):
 * 1. Every subscription carries a server-side dead-letter policy (created here with `createMissing`,
 *    by Terraform in production). It is the backstop: a process that crashes or lets the ack deadline
 *    expire on the last attempt still gets the message dead-lettered, with Pub/Sub's own
 *    `CloudPubSubDeadLetter*` attributes.
 * 2. When a handler throws on attempt >= maxDeliveryAttempts, the adapter publishes the original bytes and
 *    attributes plus `vigil-*` attributes (source, attempts, last error) to the dead-letter topic and acks
 *    the source only after that publish resolved; if the publish fails it nacks and layer 1 takes over.
 *    So keep SubscribeOptions.maxDeliveryAttempts equal to Terraform's value, and grant the runtime
 *    identity publish on the dead-letter topic.
 * `deliveryAttempt` is 0 on subscriptions without a dead-letter policy; the adapter then counts deliveries
 * per process by message id (best effort: other instances and restarts are not seen).
 * Redelivery backoff is the subscription's retry policy; without one Pub/Sub redelivers at once (the
 * emulator in ~150 ms; with a retry policy it rounds backoff up to about 2 s steps).
 */

const ALREADY_EXISTS = 6;
const NOT_FOUND = 5;
/** Bounds the fallback attempt counter so messages that other instances finished cannot grow it forever. */
const MAX_LOCAL_ATTEMPT_ENTRIES = 10_000;

export interface PubSubEventBusOptions {
  /** Owned by the caller: close() does not close it. */
  pubsub: PubSub;
  /** Create absent topics/subscriptions: true for local/emulator, false in production where Terraform owns them. */
  createMissing?: boolean;
  /** Retry policy for subscriptions this adapter creates; omitted means Pub/Sub's immediate redelivery. */
  retryPolicy?: { minimumBackoffSeconds: number; maximumBackoffSeconds: number };
  /** Told about stream failures, dead-letter publish failures and dead-lettered messages; must not throw. */
  onError?: (error: unknown) => void;
}

function grpcCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function protoDuration(seconds: number): { seconds: number; nanos: number } {
  const whole = Math.floor(seconds);
  return { seconds: whole, nanos: Math.round((seconds - whole) * 1e9) };
}

async function ignoreAlreadyExists(operation: Promise<unknown>): Promise<void> {
  try {
    await operation;
  } catch (error) {
    if (grpcCode(error) !== ALREADY_EXISTS) throw error;
  }
}

function toEventMessage(message: Message, deliveryAttempt: number): EventMessage {
  return {
    id: message.id,
    data: JSON.parse(message.data.toString('utf8')),
    attributes: { ...message.attributes },
    deliveryAttempt,
    publishTime: new Date(message.publishTime.getTime()),
  };
}

type PublishRaw = (topic: string, data: Buffer, attributes: Record<string, string>) => Promise<string>;

/** One streaming-pull subscriber; close() stops dispatch, lets running handlers finish, then flushes acks. */
class PubSubConsumer implements Subscription {
  readonly #inFlight = new Set<Promise<void>>();
  readonly #localAttempts = new Map<string, number>();
  #stopping = false;
  #closed: Promise<void> | undefined;

  constructor(
    readonly name: string,
    readonly topic: string,
    private readonly subscription: PubSubSubscription,
    private readonly handler: EventHandler,
    private readonly options: Required<SubscribeOptions>,
    private readonly publishRaw: PublishRaw,
    private readonly onError: (error: unknown) => void,
  ) {
    subscription.on('error', (error: unknown) => onError(describeStreamError(name, error)));
    subscription.on('message', (message: Message) => this.#onMessage(message));
  }

  close(): Promise<void> {
    this.#closed ??= this.#shutdown();
    return this.#closed;
  }

  async #shutdown(): Promise<void> {
    this.#stopping = true;
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
    // The library's close() nacks what is still held (messages that arrived while stopping) and flushes acks.
    await this.subscription.close();
  }

  #onMessage(message: Message): void {
    // Held, neither run nor nacked: it keeps its flow-control slot (so the server stops sending) and
    // close() nacks it once; nacking here could loop redeliveries and burn attempts during shutdown.
    if (this.#stopping) return;
    const processing = this.#process(message);
    this.#inFlight.add(processing);
    void processing.finally(() => this.#inFlight.delete(processing));
  }

  async #process(message: Message): Promise<void> {
    const attempt = this.#attemptOf(message);
    try {
      await this.handler(toEventMessage(message, attempt));
    } catch (error) {
      if (attempt >= this.options.maxDeliveryAttempts) await this.#deadLetter(message, attempt, error);
      else message.nack();
      return;
    }
    this.#localAttempts.delete(message.id);
    message.ack();
  }

  async #deadLetter(message: Message, attempt: number, error: unknown): Promise<void> {
    const { deadLetterTopic } = this.options;
    const attributes = deadLetterAttributes(message.attributes, {
      topic: this.topic,
      subscription: this.name,
      deliveryAttempts: attempt,
      error,
    });
    try {
      await this.publishRaw(deadLetterTopic, message.data, attributes);
    } catch (publishError) {
      this.onError(
        new Error(
          `dead-letter publish of message ${message.id} to "${deadLetterTopic}" failed; nacked for the subscription's dead-letter policy`,
          { cause: publishError },
        ),
      );
      message.nack();
      return;
    }
    this.#localAttempts.delete(message.id);
    message.ack();
    this.onError(
      new Error(
        `message ${message.id} on subscription "${this.name}" dead-lettered to "${deadLetterTopic}" after ${attempt} attempts`,
        { cause: error },
      ),
    );
  }

  #attemptOf(message: Message): number {
    if (message.deliveryAttempt > 0) return message.deliveryAttempt;
    const attempt = (this.#localAttempts.get(message.id) ?? 0) + 1;
    this.#localAttempts.delete(message.id);
    this.#localAttempts.set(message.id, attempt);
    if (this.#localAttempts.size > MAX_LOCAL_ATTEMPT_ENTRIES) {
      const oldest = this.#localAttempts.keys().next().value;
      if (oldest !== undefined) this.#localAttempts.delete(oldest);
    }
    return attempt;
  }
}

function describeStreamError(subscription: string, error: unknown): Error {
  if (grpcCode(error) === NOT_FOUND) {
    return new Error(
      `Pub/Sub subscription "${subscription}" does not exist (createMissing is false: provision it with Terraform)`,
      { cause: error },
    );
  }
  return new Error(`Pub/Sub subscription "${subscription}" failed: ${errorMessage(error)}`, { cause: error });
}

export class PubSubEventBus implements EventBus {
  readonly kind = 'pubsub' as const;
  readonly #pubsub: PubSub;
  readonly #createMissing: boolean;
  readonly #retryPolicy: PubSubEventBusOptions['retryPolicy'];
  readonly #onError: (error: unknown) => void;
  readonly #topics = new Map<string, Topic>();
  readonly #ensuredTopics = new Map<string, Promise<void>>();
  readonly #consumers = new Set<PubSubConsumer>();
  #closed = false;

  constructor(options: PubSubEventBusOptions) {
    this.#pubsub = options.pubsub;
    this.#createMissing = options.createMissing ?? false;
    this.#retryPolicy = options.retryPolicy;
    this.#onError = options.onError ?? (() => {});
  }

  async publish(topic: string, data: unknown, attributes?: Record<string, string>): Promise<string> {
    this.#assertOpen();
    assertTopicName(topic);
    const encoded = encodeEvent(data, attributes);
    return this.#publishRaw(topic, encoded.data, encoded.attributes);
  }

  async subscribe(
    topic: string,
    subscription: string,
    handler: EventHandler,
    options?: SubscribeOptions,
  ): Promise<Subscription> {
    this.#assertOpen();
    const resolved = resolveSubscribeOptions(topic, subscription, options);
    if (this.#createMissing) await this.#ensureSubscription(topic, subscription, resolved);
    const pubsubSubscription = this.#pubsub.subscription(subscription, {
      // Without allowExcessMessages: false the client hands out whole server batches beyond maxMessages.
      flowControl: { maxMessages: resolved.maxConcurrency, allowExcessMessages: false },
    });
    const consumer = new PubSubConsumer(
      subscription,
      topic,
      pubsubSubscription,
      handler,
      resolved,
      (target, data, attributes) => this.#publishRaw(target, data, attributes),
      this.#onError,
    );
    this.#consumers.add(consumer);
    return {
      name: subscription,
      close: async () => {
        await consumer.close();
        this.#consumers.delete(consumer);
      },
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#consumers].map((consumer) => consumer.close()));
    this.#consumers.clear();
    await Promise.all([...this.#topics.values()].map((topic) => topic.flush()));
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('event bus is closed');
  }

  #topic(name: string): Topic {
    let topic = this.#topics.get(name);
    if (!topic) {
      topic = this.#pubsub.topic(name);
      this.#topics.set(name, topic);
    }
    return topic;
  }

  async #publishRaw(topic: string, data: Buffer, attributes: Record<string, string>): Promise<string> {
    if (this.#createMissing) await this.#ensureTopic(topic);
    try {
      return await this.#topic(topic).publishMessage({ data, attributes });
    } catch (error) {
      if (grpcCode(error) === NOT_FOUND) {
        throw new Error(
          `Pub/Sub topic "${topic}" does not exist (createMissing is false: provision it with Terraform)`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  /** Memoised per topic; a failed creation is forgotten so the next call retries it. */
  #ensureTopic(name: string): Promise<void> {
    let ensured = this.#ensuredTopics.get(name);
    if (!ensured) {
      ensured = ignoreAlreadyExists(this.#pubsub.createTopic(name));
      this.#ensuredTopics.set(name, ensured);
      ensured.catch(() => this.#ensuredTopics.delete(name));
    }
    return ensured;
  }

  async #ensureSubscription(topic: string, name: string, options: Required<SubscribeOptions>): Promise<void> {
    await Promise.all([this.#ensureTopic(topic), this.#ensureTopic(options.deadLetterTopic)]);
    const retry = this.#retryPolicy;
    try {
      await this.#pubsub.createSubscription(topic, name, {
        deadLetterPolicy: {
          deadLetterTopic: this.#topic(options.deadLetterTopic).name,
          maxDeliveryAttempts: options.maxDeliveryAttempts,
        },
        ...(retry && {
          retryPolicy: {
            minimumBackoff: protoDuration(retry.minimumBackoffSeconds),
            maximumBackoff: protoDuration(retry.maximumBackoffSeconds),
          },
        }),
      });
    } catch (error) {
      if (grpcCode(error) !== ALREADY_EXISTS) throw error;
      await this.#assertAttached(name, topic);
    }
  }

  /** Subscription names are project-wide: an existing one on another topic would silently consume the wrong stream. */
  async #assertAttached(name: string, topic: string): Promise<void> {
    const [metadata] = await this.#pubsub.subscription(name).getMetadata();
    const expected = this.#topic(topic).name;
    if (metadata.topic !== expected) {
      throw new Error(`subscription "${name}" exists on ${String(metadata.topic)}, not on "${topic}"`);
    }
  }
}
