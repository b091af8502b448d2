/** In-memory EventBus with Pub/Sub semantics (at-least-once, retries, dead-letter) for tests and local runs. */
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

export interface InProcessEventBusOptions {
  /** Delay before redelivering after the `attempt`-th failed delivery (default 100 ms doubling, capped at 10 s). */
  retryBackoffMs?: (attempt: number) => number;
  /** Told when a message is dead-lettered (the last handler error is the cause); must not throw. */
  onError?: (error: unknown) => void;
}

interface QueuedMessage {
  id: string;
  data: Buffer;
  attributes: Record<string, string>;
  publishTime: Date;
  /** Deliveries made so far; the next delivery is attempt `attempts + 1`. */
  attempts: number;
}

interface Consumer {
  handler: EventHandler;
  options: Required<SubscribeOptions>;
  running: number;
  closing: boolean;
  onIdle: Array<() => void>;
}

/** A named subscription; like on Pub/Sub it outlives its subscriber, keeping the backlog for the next one. */
interface SubscriptionState {
  topic: string;
  name: string;
  queue: QueuedMessage[];
  retryTimers: Set<NodeJS.Timeout>;
  consumer: Consumer | undefined;
}

function defaultBackoffMs(attempt: number): number {
  return Math.min(100 * 2 ** (attempt - 1), 10_000);
}

/** Each delivery parses its own copy, so one handler mutating `data` cannot affect another. */
function toEventMessage(message: QueuedMessage): EventMessage {
  return {
    id: message.id,
    data: JSON.parse(message.data.toString('utf8')),
    attributes: { ...message.attributes },
    deliveryAttempt: message.attempts,
    publishTime: new Date(message.publishTime.getTime()),
  };
}

/**
 * Semantics, chosen to match Pub/Sub so code behaves the same locally and in production:
 * - a subscription receives only messages published after it was first subscribed (nothing is replayed);
 * - closing a subscriber keeps the subscription: messages published meanwhile go to the next subscribe()
 *   with the same name (one active subscriber per subscription in-process);
 * - every subscription on a topic gets every message; handlers run on a later macrotask, never inside publish();
 * - a dead-lettered message published to a topic without subscriptions is dropped, as on Pub/Sub.
 */
export class InProcessEventBus implements EventBus {
  readonly kind = 'in-process' as const;
  readonly #subscriptions = new Map<string, SubscriptionState>();
  readonly #retryBackoffMs: (attempt: number) => number;
  readonly #onError: (error: unknown) => void;
  #drainWaiters: Array<() => void> = [];
  #nextId = 0;
  #closed = false;

  constructor(options: InProcessEventBusOptions = {}) {
    this.#retryBackoffMs = options.retryBackoffMs ?? defaultBackoffMs;
    this.#onError = options.onError ?? (() => {});
  }

  async publish(topic: string, data: unknown, attributes?: Record<string, string>): Promise<string> {
    this.#assertOpen();
    assertTopicName(topic);
    const encoded = encodeEvent(data, attributes);
    return this.#enqueue(topic, encoded.data, encoded.attributes);
  }

  async subscribe(
    topic: string,
    subscription: string,
    handler: EventHandler,
    options?: SubscribeOptions,
  ): Promise<Subscription> {
    this.#assertOpen();
    const resolved = resolveSubscribeOptions(topic, subscription, options);
    const state = this.#stateFor(topic, subscription);
    if (state.consumer) throw new Error(`subscription "${subscription}" already has an active subscriber`);
    const consumer: Consumer = { handler, options: resolved, running: 0, closing: false, onIdle: [] };
    state.consumer = consumer;
    // A re-subscribed subscription may hold a backlog from while it had no subscriber.
    setImmediate(() => this.#pump(state));
    return { name: subscription, close: () => this.#closeConsumer(state, consumer) };
  }

  /** Resolves once no handler runs and no active subscription has queued or retry-pending messages. */
  drain(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.#closed = true;
    const states = [...this.#subscriptions.values()];
    await Promise.all(
      states.map((state) => (state.consumer ? this.#closeConsumer(state, state.consumer) : undefined)),
    );
    for (const state of states) {
      for (const timer of state.retryTimers) clearTimeout(timer);
      state.retryTimers.clear();
    }
    this.#notifyIfIdle();
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('event bus is closed');
  }

  #stateFor(topic: string, name: string): SubscriptionState {
    const existing = this.#subscriptions.get(name);
    if (existing) {
      if (existing.topic !== topic) {
        throw new Error(`subscription "${name}" is attached to topic "${existing.topic}", not "${topic}"`);
      }
      return existing;
    }
    const state: SubscriptionState = { topic, name, queue: [], retryTimers: new Set(), consumer: undefined };
    this.#subscriptions.set(name, state);
    return state;
  }

  #enqueue(topic: string, data: Buffer, attributes: Record<string, string>): string {
    this.#nextId += 1;
    const id = String(this.#nextId);
    const publishTime = new Date();
    for (const state of this.#subscriptions.values()) {
      if (state.topic !== topic) continue;
      state.queue.push({ id, data, attributes, publishTime, attempts: 0 });
      setImmediate(() => this.#pump(state));
    }
    return id;
  }

  #pump(state: SubscriptionState): void {
    const consumer = state.consumer;
    if (!consumer || consumer.closing) return;
    while (consumer.running < consumer.options.maxConcurrency) {
      const message = state.queue.shift();
      if (!message) break;
      void this.#deliver(state, consumer, message);
    }
  }

  async #deliver(state: SubscriptionState, consumer: Consumer, message: QueuedMessage): Promise<void> {
    message.attempts += 1;
    consumer.running += 1;
    try {
      await consumer.handler(toEventMessage(message));
    } catch (error) {
      this.#handleFailure(state, consumer, message, error);
    } finally {
      consumer.running -= 1;
      if (consumer.running === 0) for (const resolve of consumer.onIdle.splice(0)) resolve();
      this.#pump(state);
      this.#notifyIfIdle();
    }
  }

  #handleFailure(state: SubscriptionState, consumer: Consumer, message: QueuedMessage, error: unknown): void {
    const { maxDeliveryAttempts, deadLetterTopic } = consumer.options;
    if (message.attempts >= maxDeliveryAttempts) {
      const attributes = deadLetterAttributes(message.attributes, {
        topic: state.topic,
        subscription: state.name,
        deliveryAttempts: message.attempts,
        error,
      });
      this.#enqueue(deadLetterTopic, message.data, attributes);
      this.#onError(
        new Error(
          `message ${message.id} on subscription "${state.name}" dead-lettered to "${deadLetterTopic}" after ${message.attempts} attempts`,
          { cause: error },
        ),
      );
      return;
    }
    const timer = setTimeout(() => {
      state.retryTimers.delete(timer);
      state.queue.push(message);
      this.#pump(state);
      this.#notifyIfIdle();
    }, this.#retryBackoffMs(message.attempts));
    state.retryTimers.add(timer);
  }

  async #closeConsumer(state: SubscriptionState, consumer: Consumer): Promise<void> {
    consumer.closing = true;
    if (consumer.running > 0) await new Promise<void>((resolve) => consumer.onIdle.push(resolve));
    if (state.consumer === consumer) state.consumer = undefined;
    this.#notifyIfIdle();
  }

  #isIdle(): boolean {
    for (const state of this.#subscriptions.values()) {
      const consumer = state.consumer;
      if (!consumer) continue;
      if (consumer.running > 0) return false;
      if (!consumer.closing && (state.queue.length > 0 || state.retryTimers.size > 0)) return false;
    }
    return true;
  }

  #notifyIfIdle(): void {
    if (this.#drainWaiters.length === 0 || !this.#isIdle()) return;
    for (const resolve of this.#drainWaiters.splice(0)) resolve();
  }
}
