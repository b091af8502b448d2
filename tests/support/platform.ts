/** Builds a real platform for tests: local mode, embedded in-memory documents, a temp data dir. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmbeddedDocumentStore } from '../../shared/adapters/documents/embedded.js';
import { InProcessEventBus } from '../../shared/adapters/events/in-process.js';
import { createMetrics } from '../../shared/http/metrics.js';
import { createMemoryLogger } from '../../shared/logging/logger.js';
import { loadPlatformConfig } from '../../shared/runtime/config.js';
import type { FetchApp, VigilFunction } from '../../shared/runtime/function.js';
import { createPlatform, type Platform } from '../../shared/runtime/platform.js';

export const TEST_SECRET = 'test-secret-that-is-at-least-32-characters-long';

export interface TestPlatform {
  platform: Platform;
  logs: Record<string, unknown>[];
  now: { value: Date };
  cleanup(): Promise<void>;
}

export async function createTestPlatform(env: Record<string, string> = {}): Promise<TestPlatform> {
  const dataDir = await mkdtemp(join(tmpdir(), 'vigil-test-'));
  const config = loadPlatformConfig({
    VIGIL_ENV: 'local',
    VIGIL_DATA_DIR: dataDir,
    VIGIL_JWT_SECRET: TEST_SECRET,
    ...env,
  });
  const now = { value: new Date('2026-11-21T12:00:00Z') };
  const clock = () => new Date(now.value);
  const logger = createMemoryLogger();
  const platform = await createPlatform(config, {
    logger,
    metrics: createMetrics({ defaultMetrics: false }),
    clock,
    documents: await EmbeddedDocumentStore.open({ clock }),
    events: new InProcessEventBus({}),
  });
  return {
    platform,
    logs: logger.lines,
    now,
    async cleanup() {
      await platform.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The repository's committed models. */
export const MODELS_DIR = fileURLToPath(new URL('../../models', import.meta.url));

/**
 * A function on a test platform with the committed models. The test clock stands still, so rate-limit
 * buckets never refill: the limit leaves room for a whole test file.
 */
export async function startTestFunction(
  fn: VigilFunction,
  env: Record<string, string> = {},
): Promise<{ t: TestPlatform; app: FetchApp }> {
  const t = await createTestPlatform({
    VIGIL_MODELS_DIR: MODELS_DIR,
    VIGIL_RATE_LIMIT_PER_MINUTE: '100000',
    VIGIL_RATE_LIMIT_BURST: '100000',
    ...env,
  });
  try {
    return { t, app: await fn.create(t.platform) };
  } catch (error) {
    await t.cleanup();
    throw error;
  }
}
