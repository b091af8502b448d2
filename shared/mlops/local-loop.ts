/**
 * The MLOps loop in local mode: files dropped into `<data dir>/datasets/<model>/` or
 * `<data dir>/drift/<model>/` are copied into the local blobs store under the same name and delivered
 * as the storage-finalized CloudEvent Eventarc would send; Pub/Sub-triggered functions subscribe to
 * the in-process bus and receive each message as a messagePublished CloudEvent.
 */
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { CloudEventHandler, VigilEventFunction } from '../runtime/function.js';
import type { Platform } from '../runtime/platform.js';
import { pubsubPublishedEvent, storageFinalizedEvent } from './cloud-events.js';

export const LOCAL_BUCKET = 'local';
const STATE_FILE = 'inbox-state.json';

export interface LocalLoop {
  /** Folders watched for dropped files. */
  folders: string[];
  /** One scan of the folders (the timer runs it every `pollMs`); resolves once every new file was delivered. */
  scan(options?: { immediate?: boolean }): Promise<number>;
  stop(): void;
}

/**
 * @example
 *   const loop = await startLocalLoop(platform, [upload, retrain, drift], { dataDir: '.vigil' });
 *   // cp my.csv .vigil/datasets/toxicity-en/ → on-dataset-upload → retrain-requests → retrain
 */
export async function startLocalLoop(
  platform: Platform,
  functions: readonly VigilEventFunction[],
  options: { dataDir: string; pollMs?: number },
): Promise<LocalLoop> {
  const storage: { prefix: string; name: string; handler: CloudEventHandler }[] = [];
  for (const fn of functions) {
    const handler = await fn.create(platform);
    for (const trigger of fn.triggers) {
      if (trigger.kind === 'storage') storage.push({ prefix: trigger.prefix, name: fn.name, handler });
      else
        await platform.events.subscribe(trigger.topic, `${fn.name}-local`, async (message) => {
          await handler(pubsubPublishedEvent(trigger.topic, message, platform.config.projectId));
        });
    }
  }
  const prefixes = [...new Set(storage.map((s) => s.prefix))];
  const folders = prefixes.map((p) => join(options.dataDir, p.replace(/\/$/, '')));
  for (const folder of folders) await mkdir(folder, { recursive: true });
  const statePath = join(options.dataDir, STATE_FILE);
  const state: Record<string, string> = await readFile(statePath, 'utf8')
    .then((s) => JSON.parse(s) as Record<string, string>)
    .catch(() => ({}));
  // A file is delivered once its size and mtime stayed the same across two scans (a copy has finished).
  const pending = new Map<string, string>();

  async function deliver(file: string, name: string): Promise<void> {
    const info = await platform.blobs.put(name, await readFile(file), {
      contentType: name.endsWith('.csv') ? 'text/csv' : 'application/x-ndjson',
    });
    const event = storageFinalizedEvent(LOCAL_BUCKET, info);
    for (const target of storage.filter((s) => name.startsWith(s.prefix))) {
      try {
        await target.handler(event);
      } catch (error) {
        platform.logger.error('local event delivery failed', { function: target.name, object: name }, error);
      }
    }
    // The validation report, if any, lands beside the dropped file too.
    const report = await platform.blobs.get(`${name}.validation.json`);
    if (report) await writeFile(`${file}.validation.json`, report.data);
  }

  async function scan(scanOptions: { immediate?: boolean } = {}): Promise<number> {
    let delivered = 0;
    for (const folder of folders) {
      for (const file of await walk(folder)) {
        if (file.endsWith('.validation.json') || file.split(sep).some((part) => part.startsWith('.')))
          continue;
        const s = await stat(file).catch(() => null);
        if (!s?.isFile()) continue;
        const signature = `${s.size}:${s.mtimeMs}`;
        if (state[file] === signature) continue;
        if (!scanOptions.immediate && pending.get(file) !== signature) {
          pending.set(file, signature);
          continue;
        }
        pending.delete(file);
        state[file] = signature;
        await writeFile(statePath, JSON.stringify(state));
        const name = relative(options.dataDir, file).split(sep).join('/');
        platform.logger.info('local file picked up', { object: name });
        await deliver(file, name);
        delivered++;
      }
    }
    return delivered;
  }

  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    scan()
      .catch((error) => platform.logger.error('local folder scan failed', {}, error))
      .finally(() => {
        running = false;
      });
  }, options.pollMs ?? 1000);
  timer.unref();
  return { folders, scan, stop: () => clearInterval(timer) };
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out.sort();
}
