/** EventBus contract suite, run against every adapter so in-process and Pub/Sub behave alike. */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  deadLetterTopicFor,
  type EventBus,
  type EventMessage,
  InvalidTopicNameError,
  MAX_EVENT_BYTES,
} from '../../shared/ports/events.js';

export interface OpenedBus {
  bus: EventBus;
  cleanup(): Promise<void>;
}

const WAIT_MS = 15_000;

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

/** Polls until `check` passes or fails the test after `timeoutMs`, so no wait can hang the run. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function deferred(): { promise: Promise<void>; resolve(): void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Resolves with whether `promise` settled within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  await sleep(ms);
  return settled;
}

export function describeEventBusContract(label: string, open: () => Promise<OpenedBus>): void {
  describe(`EventBus contract: ${label}`, () => {
    let opened: OpenedBus;
    let bus: EventBus;

    beforeEach(async () => {
      opened = await open();
      bus = opened.bus;
    });

    afterEach(async () => {
      await bus.close();
      await opened.cleanup();
    });

    async function collect(topic: string): Promise<EventMessage[]> {
      const received: EventMessage[] = [];
      await bus.subscribe(topic, uniqueName('collect'), async (message) => {
        received.push(message);
      });
      return received;
    }

    it('delivers data, attributes, the published id and deliveryAttempt 1', async () => {
      const topic = uniqueName('topic');
      const received = await collect(topic);
      const data = { scanId: 'abc', scores: [0.1, 0.9], nested: { ok: true } };
      const before = Date.now();
      const id = await bus.publish(topic, data, { tenant: 't1', kind: 'scan' });
      expect(id).toEqual(expect.any(String));
      await waitFor('delivery', () => received.length === 1);
      const [message] = received;
      expect(message?.id).toBe(id);
      expect(message?.data).toEqual(data);
      expect(message?.attributes).toEqual({ tenant: 't1', kind: 'scan' });
      expect(message?.deliveryAttempt).toBe(1);
      expect(message?.publishTime).toBeInstanceOf(Date);
      expect(message?.publishTime.getTime()).toBeGreaterThanOrEqual(before - 5_000);
    });

    it('gives every subscription on a topic its own copy of each message', async () => {
      const topic = uniqueName('topic');
      const first = await collect(topic);
      const second = await collect(topic);
      await bus.publish(topic, { n: 1 });
      await waitFor('both subscriptions', () => first.length === 1 && second.length === 1);
      expect(first[0]?.data).toEqual({ n: 1 });
      expect(second[0]?.data).toEqual({ n: 1 });
    });

    it('redelivers after a handler throws, counting attempts, until it succeeds', async () => {
      const topic = uniqueName('topic');
      const attempts: number[] = [];
      let processed = 0;
      await bus.subscribe(topic, uniqueName('flaky'), async (message) => {
        attempts.push(message.deliveryAttempt);
        if (message.deliveryAttempt < 3) throw new Error(`transient failure ${message.deliveryAttempt}`);
        processed += 1;
      });
      await bus.publish(topic, { work: 1 });
      await waitFor('processing on the third attempt', () => processed === 1);
      await sleep(300);
      expect(attempts).toEqual([1, 2, 3]);
      expect(processed).toBe(1);
    });

    it('dead-letters a message after maxDeliveryAttempts with data and attributes preserved', async () => {
      const topic = uniqueName('topic');
      const deadLetters = await collect(deadLetterTopicFor(topic));
      const attempts: number[] = [];
      const longMessage = `boom ${'x'.repeat(300)}`;
      await bus.subscribe(
        topic,
        uniqueName('poison'),
        async (message) => {
          attempts.push(message.deliveryAttempt);
          throw new Error(longMessage);
        },
        { maxDeliveryAttempts: 5 },
      );
      await bus.publish(topic, { poison: true }, { tenant: 't9' });
      await waitFor('the dead-letter topic', () => deadLetters.length === 1);
      const [deadLetter] = deadLetters;
      expect(deadLetter?.data).toEqual({ poison: true });
      expect(deadLetter?.attributes).toMatchObject({
        tenant: 't9',
        'vigil-source-topic': topic,
        'vigil-delivery-attempts': '5',
        'vigil-last-error': longMessage.slice(0, 200),
      });
      // Acked on the source once dead-lettered: no sixth attempt.
      await sleep(500);
      expect(attempts).toEqual([1, 2, 3, 4, 5]);
      expect(deadLetters).toHaveLength(1);
    });

    it('rejects invalid topic and subscription names', async () => {
      const noop = async () => {};
      for (const bad of ['ab', '1topic', 'goog-topic', 'has space', 'slash/topic', '']) {
        await expect(bus.publish(bad, {})).rejects.toBeInstanceOf(InvalidTopicNameError);
        await expect(bus.subscribe(bad, uniqueName('sub'), noop)).rejects.toBeInstanceOf(
          InvalidTopicNameError,
        );
        await expect(bus.subscribe(uniqueName('topic'), bad, noop)).rejects.toBeInstanceOf(
          InvalidTopicNameError,
        );
      }
    });

    it('rejects oversize and non-JSON payloads and non-string attributes', async () => {
      const topic = uniqueName('topic');
      await expect(bus.publish(topic, 'x'.repeat(MAX_EVENT_BYTES))).rejects.toThrow(RangeError);
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      await expect(bus.publish(topic, circular)).rejects.toThrow(/not JSON-serialisable/);
      await expect(bus.publish(topic, 10n)).rejects.toThrow(/not JSON-serialisable/);
      await expect(bus.publish(topic, undefined)).rejects.toThrow(/not JSON-serialisable/);
      const badAttributes = { count: 3 } as unknown as Record<string, string>;
      await expect(bus.publish(topic, {}, badAttributes)).rejects.toThrow(/attribute "count"/);
    });

    it('rejects maxDeliveryAttempts outside Pub/Sub range 5..100', async () => {
      const noop = async () => {};
      const topic = uniqueName('topic');
      await expect(bus.subscribe(topic, uniqueName('sub'), noop, { maxDeliveryAttempts: 4 })).rejects.toThrow(
        RangeError,
      );
      await expect(
        bus.subscribe(topic, uniqueName('sub'), noop, { maxDeliveryAttempts: 101 }),
      ).rejects.toThrow(RangeError);
    });

    it('runs at most maxConcurrency handlers at once and still processes everything', async () => {
      const topic = uniqueName('topic');
      let running = 0;
      let peak = 0;
      let processed = 0;
      await bus.subscribe(
        topic,
        uniqueName('bounded'),
        async () => {
          running += 1;
          peak = Math.max(peak, running);
          await sleep(100);
          running -= 1;
          processed += 1;
        },
        { maxConcurrency: 2 },
      );
      await Promise.all(Array.from({ length: 6 }, (_, n) => bus.publish(topic, { n })));
      await waitFor('all six messages', () => processed === 6);
      expect(peak).toBeLessThanOrEqual(2);
    });

    it('close() waits for the in-flight handler and stops delivery', async () => {
      const topic = uniqueName('topic');
      const started = deferred();
      const release = deferred();
      let finished = 0;
      let deliveries = 0;
      const subscription = await bus.subscribe(topic, uniqueName('graceful'), async () => {
        deliveries += 1;
        started.resolve();
        await release.promise;
        finished += 1;
      });
      await bus.publish(topic, { slow: true });
      await Promise.race([
        started.promise,
        sleep(WAIT_MS).then(() => Promise.reject(new Error('handler never started'))),
      ]);
      const closing = subscription.close();
      expect(await settlesWithin(closing, 200)).toBe(false);
      release.resolve();
      await Promise.race([closing, sleep(WAIT_MS).then(() => Promise.reject(new Error('close() hung')))]);
      expect(finished).toBe(1);
      await bus.publish(topic, { after: 'close' });
      await sleep(300);
      expect(deliveries).toBe(1);
    });
    it('close() leaves undelivered messages to the next subscriber of the same subscription', async () => {
      const topic = uniqueName('topic');
      const name = uniqueName('handover');
      const started = deferred();
      const release = deferred();
      const firstSeen: unknown[] = [];
      const first = await bus.subscribe(
        topic,
        name,
        async (message) => {
          firstSeen.push(message.data);
          started.resolve();
          await release.promise;
        },
        { maxConcurrency: 1 },
      );
      await bus.publish(topic, { n: 1 });
      await Promise.race([started.promise, sleep(WAIT_MS)]);
      await bus.publish(topic, { n: 2 });
      await sleep(200);
      const closing = first.close();
      release.resolve();
      await closing;
      expect(firstSeen).toEqual([{ n: 1 }]);
      const secondSeen: unknown[] = [];
      await bus.subscribe(topic, name, async (message) => {
        secondSeen.push(message.data);
      });
      await waitFor('the handed-over message', () => secondSeen.length === 1);
      await sleep(300);
      expect(secondSeen).toEqual([{ n: 2 }]);
    });
  });
}
