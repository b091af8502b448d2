/**
 * The serving side of the loop: a text-model registry that also lists retrained versions (fetched from
 * the blobs store and checksum-verified on demand), a poller that switches to a newly promoted champion
 * without a restart, the version header every response carries, and the champion's version gauge.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { FetchApp } from '../runtime/function.js';
import type { Platform } from '../runtime/platform.js';
import { MANIFEST_FILE } from '../text/classifier.js';
import { parseManifest, type TextModelManifest } from '../text/manifest.js';
import { createTextModelRegistry, type TextModelRegistry } from '../text/registry.js';
import { materializeVersion } from './artifacts.js';
import { setModelInfo } from './metrics.js';
import { ModelVersionStore } from './versions.js';

export interface ServingModels {
  registry: TextModelRegistry;
  versions: ModelVersionStore;
  /** Fetches the recorded champion from the blobs store when it is a retrained version not on disk yet. */
  syncChampion(name: string): Promise<void>;
  /** Switches every watched model whose recorded champion changed; what the poller runs. */
  check(): Promise<void>;
  /** `name@version` of every watched model, as served now. */
  served(): string;
  /** The app with `X-Vigil-Model` on every response (health, docs, metrics and errors included). */
  withVersionHeader(app: FetchApp): FetchApp;
  stop(): void;
}

/**
 * @example
 *   const models = await createServingModels(platform, 'toxicity', ['toxicity-en', 'language-id']);
 *   const app = createApp({ registry: models.registry, mlops: models, … });
 *   // a promotion elsewhere → within VIGIL_MODEL_POLL_SECONDS this instance serves the new champion
 */
export async function createServingModels(
  platform: Platform,
  fn: string,
  names: readonly string[],
  options: {
    poll?: boolean;
    load?: boolean;
    /** Told after a model's served version changed (and at start), e.g. to reload what derives from it. */
    onSwitch?: (name: string, version: string, registry: TextModelRegistry) => Promise<void>;
  } = {},
): Promise<ServingModels> {
  const root = resolve(platform.config.mlops.retrainedModelsDir);
  const inner = createTextModelRegistry({
    modelsDir: resolve(platform.config.modelsDir),
    extraDirs: [root],
    documents: platform.documents,
    clock: platform.clock,
    onWarning: (message) => platform.logger.warn('model registry', { message }),
  });
  const versions = new ModelVersionStore(platform.documents, platform.clock);
  const current = new Map<string, string>();

  async function syncChampion(name: string): Promise<void> {
    const pointer = await versions.champion(name);
    if (!pointer) return;
    const record = await versions.get(name, pointer.champion);
    // No record: a committed version, already on disk.
    if (!record) return;
    if (await materializeVersion(platform.blobs, root, name, record.version, record.artifact))
      platform.logger.info('model version fetched', { model: name, version: record.version });
  }

  const registry: TextModelRegistry = {
    ...inner,
    async refresh(name) {
      await syncChampion(name);
      const result = await inner.refresh(name);
      setModelInfo(platform.metrics, fn, name, result.current, current.get(name) ?? result.previous);
      const changed = current.get(name) !== result.current;
      if (result.previous !== result.current)
        platform.logger.info('champion switched', {
          function: fn,
          model: name,
          previous: result.previous,
          current: result.current,
        });
      current.set(name, result.current);
      if (changed) await options.onSwitch?.(name, result.current, registry);
      return result;
    },
  };

  if (options.load ?? true) {
    // Start-up: the newest version on disk is nearly always the champion, so it starts loading from
    // disk while the champion is looked up in the store (which may still be opening); the lookup's
    // load then finds it in the cache. A different champion is loaded as well, as before.
    for (const name of names) void preloadNewest(inner, name);
    await Promise.all(names.map((name) => registry.refresh(name)));
  }

  async function check(): Promise<void> {
    for (const name of names) {
      const pointer = await versions.champion(name);
      if (pointer && pointer.champion !== current.get(name)) await registry.refresh(name);
    }
  }

  let timer: NodeJS.Timeout | undefined;
  const seconds = platform.config.mlops.modelPollSeconds;
  if (seconds > 0 && (options.poll ?? true)) {
    let running = false;
    timer = setInterval(() => {
      if (running) return;
      running = true;
      check()
        .catch((error) =>
          platform.logger.warn('champion poll failed', { function: fn, reason: String(error).slice(0, 200) }),
        )
        .finally(() => {
          running = false;
        });
    }, seconds * 1000);
    // Polling must not keep a finished process (a test, a CLI) alive.
    timer.unref();
  }

  const served = () => names.map((n) => `${n}@${current.get(n) ?? '?'}`).join(', ');
  return {
    registry,
    versions,
    syncChampion,
    check,
    served,
    withVersionHeader: (app) => ({
      async fetch(request, env) {
        const response = await app.fetch(request, env);
        try {
          response.headers.set('X-Vigil-Model', served());
          return response;
        } catch {
          // Immutable headers (a response passed through from fetch): copy it.
          const copy = new Response(response.body, response);
          copy.headers.set('X-Vigil-Model', served());
          return copy;
        }
      },
    }),
    stop: () => clearInterval(timer),
  };
}

/** The manifest of a model's recorded champion (fetched first if it is a retrained version). */
export async function championManifest(
  models: ServingModels,
  name: string,
): Promise<TextModelManifest | null> {
  await models.syncChampion(name);
  const infos = await models.registry.versions(name);
  if (infos.length === 0) return null;
  await models.registry.refresh(name);
  const version = await models.registry.championVersion(name);
  const info = infos.find((v) => v.version === version) ?? infos[0]!;
  const path = join(info.dir, MANIFEST_FILE);
  return parseManifest(JSON.parse(await readFile(path, 'utf8')), path);
}

/** Loads the newest version of a model found on disk; a failure is left to the champion's own load. */
async function preloadNewest(registry: TextModelRegistry, name: string): Promise<void> {
  try {
    const [newest] = await registry.versions(name);
    if (newest) await registry.classifier(name, newest.version);
  } catch {
    // The refresh that follows loads the champion and reports what is wrong.
  }
}
