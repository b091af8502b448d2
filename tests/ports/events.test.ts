/** Runs the EventBus contract against the in-process adapter and Pub/Sub on the emulator, plus adapter specifics. */
import { PubSub } from '@google-cloud/pubsub';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { InProcessEventBus } from '../../shared/adapters/events/in-process.js';
import { PubSubEventBus } from '../../shared/adapters/events/pubsub.js';
import { deadLetterTopicFor, type EventMessage } from '../../shared/ports/events.js';
import { EMULATOR_PROJECT } from '../support/emulators.js';
import { describeEventBusContract, sleep, uniqueName, waitFor } from './events.contract.js';

const pubsubHost = inject('pubsubEmulatorHost');

/** Explicit endpoint and project, so nothing depends on PUBSUB_EMULATOR_HOST; universeDomain skips the GCE probe. */
function emulatorClient(): PubSub {
  return new PubSub({
    projectId: EMULATOR_PROJECT,
    apiEndpoint: pubsubHost,
    emulatorMode: true,
    universeDomain: 'googleapis.com',
  });
}

describeEventBusContract('in-process', async () => ({
  bus: new InProcessEventBus({ retryBackoffMs: () => 5 }),
  cleanup: async () => {},
}));

describe.skipIf(!pubsubHost)('Pub/Sub emulator', () => {
  // No retry policy: the emulator redelivers a nack in ~150 ms (with one it waits ~2 s per attempt).
  describeEventBusContract('pubsub', async () => {
    const pubsub = emulatorClient();
    return { bus: new PubSubEventBus({ pubsub, createMissing: true }), cleanup: () => pubsub.close() };
  });
});

describe('InProcessEventBus', () => {
  let bus: InProcessEventBus;

  beforeEach(() => {
    bus = new InProcessEventBus({ retryBackoffMs: () => 5 });
  });

  afterEach(async () => {
    await bus.close();
  });

  it('does not run handlers inside publish()', async () => {
    let calls = 0;
    await bus.subscribe('topic-sync', 'sub-sync', async () => {
      calls += 1;
    });
    const publishing = bus.publish('topic-sync', {});
    expect(calls).toBe(0);
    await publishing;
    expect(calls).toBe(0);
    await bus.drain();
    expect(calls).toBe(1);
  });

  it('drain() waits for retries and for messages that handlers publish', async () => {
    const seen: string[] = [];
    await bus.subscribe('topic-first', 'sub-first', async (message) => {
      if (message.deliveryAttempt < 2) throw new Error('retry me');
      await bus.publish('topic-second', { from: message.id });
      seen.push('first');
    });
    await bus.subscribe('topic-second', 'sub-second', async () => {
      await sleep(20);
      seen.push('second');
    });
    await bus.publish('topic-first', {});
    await bus.drain();
    expect(seen).toEqual(['first', 'second']);
  });

  it('does not deliver messages published before the subscription existed', async () => {
    const received: EventMessage[] = [];
    await bus.publish('topic-early', { n: 1 });
    await bus.subscribe('topic-early', 'sub-early', async (message) => {
      received.push(message);
    });
    await bus.publish('topic-early', { n: 2 });
    await bus.drain();
    expect(received.map((message) => message.data)).toEqual([{ n: 2 }]);
  });

  it('keeps a closed subscription backlog for the next subscriber, as Pub/Sub does', async () => {
    const received: unknown[] = [];
    const first = await bus.subscribe('topic-keep', 'sub-keep', async (message) => {
      received.push(message.data);
    });
    await first.close();
    await bus.publish('topic-keep', { while: 'closed' });
    await bus.drain();
    expect(received).toEqual([]);
    await bus.subscribe('topic-keep', 'sub-keep', async (message) => {
      received.push(message.data);
    });
    await bus.drain();
    expect(received).toEqual([{ while: 'closed' }]);
  });

  it('backs off with the configured delay per failed attempt and reports dead letters', async () => {
    const backoffs: number[] = [];
    const errors: unknown[] = [];
    const custom = new InProcessEventBus({
      retryBackoffMs: (attempt) => {
        backoffs.push(attempt);
        return 1;
      },
      onError: (error) => errors.push(error),
    });
    const deadLetters: EventMessage[] = [];
    await custom.subscribe('topic-dl', 'sub-dl', async () => {
      throw new Error('always');
    });
    await custom.subscribe(deadLetterTopicFor('topic-dl'), 'sub-dl-watch', async (message) => {
      deadLetters.push(message);
    });
    await custom.publish('topic-dl', { x: 1 });
    await custom.drain();
    await custom.close();
    expect(backoffs).toEqual([1, 2, 3, 4]);
    expect(deadLetters[0]?.attributes['vigil-source-subscription']).toBe('sub-dl');
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toMatch(/dead-lettered/);
  });

  it('rejects a second active subscriber and a name reused on another topic', async () => {
    const noop = async () => {};
    await bus.subscribe('topic-a1', 'sub-a1', noop);
    await expect(bus.subscribe('topic-a1', 'sub-a1', noop)).rejects.toThrow(/active subscriber/);
    await expect(bus.subscribe('topic-b1', 'sub-a1', noop)).rejects.toThrow(/attached to topic "topic-a1"/);
  });

  it('rejects publish and subscribe after close()', async () => {
    await bus.close();
    await expect(bus.publish('topic-closed', {})).rejects.toThrow(/closed/);
    await expect(bus.subscribe('topic-closed', 'sub-closed', async () => {})).rejects.toThrow(/closed/);
  });
});

describe.skipIf(!pubsubHost)('PubSubEventBus on the emulator', () => {
  let pubsub: PubSub;

  beforeEach(() => {
    pubsub = emulatorClient();
  });

  afterEach(async () => {
    await pubsub.close();
  });

  it('with createMissing: false, publishing to a missing topic fails clearly', async () => {
    const bus = new PubSubEventBus({ pubsub });
    const topic = uniqueName('missing');
    await expect(bus.publish(topic, {})).rejects.toThrow(`Pub/Sub topic "${topic}" does not exist`);
    await bus.close();
  });

  it('with createMissing: false, a missing subscription is reported through onError', async () => {
    const errors: unknown[] = [];
    const bus = new PubSubEventBus({ pubsub, onError: (error) => errors.push(error) });
    const name = uniqueName('missing-sub');
    const subscription = await bus.subscribe(uniqueName('topic'), name, async () => {});
    await waitFor('the stream error', () => errors.length > 0);
    expect(String(errors[0])).toContain(`Pub/Sub subscription "${name}" does not exist`);
    await subscription.close();
    await bus.close();
  });

  it('creates subscriptions with the server-side dead-letter and retry policies', async () => {
    const bus = new PubSubEventBus({
      pubsub,
      createMissing: true,
      retryPolicy: { minimumBackoffSeconds: 1.5, maximumBackoffSeconds: 60 },
    });
    const topic = uniqueName('topic');
    const name = uniqueName('sub');
    const subscription = await bus.subscribe(topic, name, async () => {}, { maxDeliveryAttempts: 7 });
    const [metadata] = await pubsub.subscription(name).getMetadata();
    expect(metadata.deadLetterPolicy).toMatchObject({
      deadLetterTopic: `projects/${EMULATOR_PROJECT}/topics/${deadLetterTopicFor(topic)}`,
      maxDeliveryAttempts: 7,
    });
    expect(metadata.retryPolicy?.minimumBackoff).toMatchObject({ seconds: '1', nanos: 500_000_000 });
    await subscription.close();
    await bus.close();
  });

  it('counts attempts per process when the subscription has no dead-letter policy', async () => {
    const topic = uniqueName('topic');
    const name = uniqueName('no-dlp');
    await pubsub.createTopic(topic);
    await pubsub.createSubscription(topic, name);
    const bus = new PubSubEventBus({ pubsub });
    const attempts: number[] = [];
    const subscription = await bus.subscribe(topic, name, async (message) => {
      attempts.push(message.deliveryAttempt);
      if (message.deliveryAttempt < 3) throw new Error('again');
    });
    await bus.publish(topic, { n: 1 });
    await waitFor('the third attempt', () => attempts.length === 3);
    await sleep(300);
    expect(attempts).toEqual([1, 2, 3]);
    await subscription.close();
    await bus.close();
  });

  it('refuses an existing subscription attached to another topic', async () => {
    const bus = new PubSubEventBus({ pubsub, createMissing: true });
    const name = uniqueName('sub');
    const first = await bus.subscribe(uniqueName('topic'), name, async () => {});
    await expect(bus.subscribe(uniqueName('topic'), name, async () => {})).rejects.toThrow(/exists on/);
    await first.close();
    await bus.close();
  });
});
