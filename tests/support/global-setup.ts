/**
 * Vitest global setup: starts the gcloud emulators once for the whole run and hands their hosts to the
 * test workers. Without gcloud the emulator suites are skipped loudly; under CI=true that is a failure.
 */
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { gcloudAvailable, type RunningEmulator, startEmulator } from './emulators.js';

declare module 'vitest' {
  export interface ProvidedContext {
    firestoreEmulatorHost: string;
    pubsubEmulatorHost: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.VIGIL_SKIP_EMULATORS === '1' || !gcloudAvailable()) {
    const why =
      process.env.VIGIL_SKIP_EMULATORS === '1' ? 'VIGIL_SKIP_EMULATORS=1' : 'gcloud is not installed';
    if (process.env.CI === 'true') {
      throw new Error(`Firestore/Pub/Sub emulators are required under CI=true, but ${why}`);
    }
    console.error(`\n!!! ${why}: the Firestore and Pub/Sub contract suites will be SKIPPED !!!\n`);
    project.provide('firestoreEmulatorHost', '');
    project.provide('pubsubEmulatorHost', '');
    return async () => {};
  }
  const started: RunningEmulator[] = [];
  try {
    const [firestore, pubsub] = await Promise.all([startEmulator('firestore'), startEmulator('pubsub')]);
    started.push(firestore, pubsub);
    project.provide('firestoreEmulatorHost', firestore.host);
    project.provide('pubsubEmulatorHost', pubsub.host);
  } catch (error) {
    await Promise.all(started.map((e) => e.stop()));
    throw error;
  }
  return async () => {
    await Promise.all(started.map((e) => e.stop()));
  };
}
