/** Builds a real platform for tests: local mode, embedded in-memory documents, a temp data dir. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedDocumentStore } from '../../shared/adapters/documents/embedded.js';
import { InProcessEventBus } from '../../shared/adapters/events/in-process.js';
import { createMetrics } from '../../shared/http/metrics.js';
import { createMemoryLogger } from '../../shared/logging/logger.js';
import { loadPlatformConfig } from '../../shared/runtime/config.js';
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
