/** Text-model registry: versions on disk in `models/<name>/<version>/`, champions in the documents store. */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { COLLECTIONS } from '../ports/collections.js';
import type { DocumentStore } from '../ports/documents.js';
import { loadTextClassifier, MANIFEST_FILE, type TextClassifier } from './classifier.js';
import { parseManifest } from './manifest.js';
import { createOnnxSessionCache } from './onnx-runtime.js';

export interface ModelVersionInfo {
  name: string;
  version: string;
  dir: string;
  createdAt: string;
  languages: string[];
  heads: string[];
}

/** Stored in `COLLECTIONS.modelRegistry`; the document id is the model name. */
export interface RegistryRecord {
  name: string;
  champion: string;
  updatedAt: Date;
  updatedBy: string;
}

/**
 * Classifiers are meant to be fetched per request: one held past a `refresh` that retired it is closed
 * after the grace period.
 */
export interface TextModelRegistry {
  /** Versions found on disk for a model, newest (semver) first; read afresh on every call. */
  versions(name: string): Promise<ModelVersionInfo[]>;
  /** The champion as of the last `refresh` or first use: the recorded one if on disk, else the newest. */
  championVersion(name: string): Promise<string>;
  /** The champion, an exact version ("1.0.0") or a major ("1" → newest 1.x.y); else ModelNotFoundError. */
  classifier(name: string, version?: string): Promise<TextClassifier>;
  /**
   * Re-reads the disk listing and the registry record and loads the champion before swapping it in, so a
   * failed refresh rejects and changes nothing. The replaced classifier is closed after the grace period.
   */
  refresh(name: string): Promise<{ name: string; previous: string | null; current: string }>;
  /** Records a version that exists on disk as the champion; instances switch on their next `refresh`. */
  promote(name: string, version: string, by: string): Promise<void>;
  close(): Promise<void>;
}

export class ModelNotFoundError extends Error {
  override name = 'ModelNotFoundError';
  constructor(
    readonly model: string,
    readonly version?: string,
  ) {
    super(
      version === undefined
        ? `No text model ${quote(model)}`
        : `Text model ${quote(model)} has no version ${quote(version)}`,
    );
  }
}

export interface TextModelRegistryOptions {
  modelsDir: string;
  /** Holds the promoted champions; without it the champion is always the newest version on disk. */
  documents?: DocumentStore;
  clock?: () => Date;
  /** How long a replaced classifier keeps serving in-flight requests before it is closed; default 30 s. */
  closeGraceMs?: number;
  /** Told about version folders that are skipped for a broken manifest, and about a champion not on disk. */
  onWarning?: (message: string) => void;
  /**
   * More folders of `<name>/<version>/`, read after `modelsDir` (which wins a version both hold): where
   * retrained versions fetched from the blobs store land, outside the committed models.
   */
  extraDirs?: readonly string[];
}

// The manifest's name rule: kebab-case cannot spell '..', '/' or '\', so no path escapes modelsDir.
const NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const VERSION = /^\d+\.\d+\.\d+$/;
const MAJOR = /^\d+$/;
const ignore = () => {};

/**
 * Serves the text models in `modelsDir`, loading each version once and swapping champions on `refresh`.
 *
 * @example
 * const models = createTextModelRegistry({
 *   modelsDir: 'models',
 *   documents: platform.documents,
 *   onWarning: (message) => logger.warn(message),
 * });
 * const toxicity = await models.classifier('toxicity-en'); // champion; or '1.0.0', or '1'
 * const [scores] = await toxicity.score(['you are an idiot']);
 * await models.promote('toxicity-en', '1.1.0', 'alice');
 * await models.refresh('toxicity-en'); // { name: 'toxicity-en', previous: '1.0.0', current: '1.1.0' }
 */
export function createTextModelRegistry(opts: TextModelRegistryOptions): TextModelRegistry {
  const { modelsDir, documents, clock = () => new Date(), closeGraceMs = 30_000 } = opts;
  const warn = opts.onWarning ?? ignore;
  const sessions = createOnnxSessionCache();
  const records = documents?.collection<RegistryRecord>(COLLECTIONS.modelRegistry);
  // Promises throughout, so concurrent first requests share one listing, resolution or load.
  const listings = new Map<string, Promise<ModelVersionInfo[]>>();
  const champions = new Map<string, Promise<string>>();
  const loaded = new Map<string, Promise<TextClassifier>>();
  // The champion's classifier once loaded, per name: a request for the champion skips the promise
  // chain above (two lookups per scored comment). Cleared when a refresh swaps the champion.
  const serving = new Map<string, TextClassifier>();
  const refreshes = new Map<string, Promise<unknown>>();
  const retiring = new Map<NodeJS.Timeout, Promise<TextClassifier>>();
  let closed = false;

  function assertOpen(): void {
    if (closed) throw new Error('Text model registry is closed');
  }

  function check(name: string): void {
    assertOpen();
    if (!NAME.test(name) || name.length > 64) throw new ModelNotFoundError(name);
  }

  async function readVersions(name: string): Promise<ModelVersionInfo[]> {
    const byVersion = new Map<string, ModelVersionInfo>();
    for (const root of [modelsDir, ...(opts.extraDirs ?? [])]) {
      const entries = await readdir(join(root, name)).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return [];
        throw error;
      });
      const found = await Promise.all(
        entries
          .filter((entry) => VERSION.test(entry) && !byVersion.has(entry))
          .map((version) => readVersion(root, name, version)),
      );
      for (const info of found) if (info) byVersion.set(info.version, info);
    }
    return [...byVersion.values()].sort((a, b) => compareVersions(b.version, a.version));
  }

  async function readVersion(
    root: string,
    name: string,
    version: string,
  ): Promise<ModelVersionInfo | undefined> {
    const dir = join(root, name, version);
    const path = join(dir, MANIFEST_FILE);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // A folder without a manifest is work in progress or unrelated, not a broken model.
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw error;
    }
    try {
      const manifest = parseManifest(JSON.parse(text), path);
      // The folder is the address callers pin, so it must name what the manifest describes.
      if (manifest.name !== name || manifest.version !== version)
        throw new Error(`${path} describes ${manifest.name}@${manifest.version}`);
      const { createdAt, languages, heads } = manifest;
      return { name, version, dir, createdAt, languages, heads: heads.map((head) => head.name) };
    } catch (error) {
      warn(`Skipping text model ${name}@${version}: ${(error as Error).message.slice(0, 300)}`);
      return undefined;
    }
  }

  async function resolveChampion(name: string, versions: readonly ModelVersionInfo[]): Promise<string> {
    const newest = versions[0]?.version;
    if (newest === undefined) throw new ModelNotFoundError(name);
    const champion = (await records?.get(name))?.champion;
    if (typeof champion !== 'string') return newest;
    if (versions.some((v) => v.version === champion)) return champion;
    warn(`Text model ${name}: registry champion ${quote(champion)} is not on disk; serving ${newest}`);
    return newest;
  }

  // A failed promise is forgotten so the next request retries (e.g. once a folder or the database is back).
  function memo<T>(map: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
    let value = map.get(key);
    if (!value) {
      const making = make();
      making.catch(() => map.get(key) === making && map.delete(key));
      map.set(key, making);
      value = making;
    }
    return value;
  }

  const listing = (name: string) => memo(listings, name, () => readVersions(name));
  const champion = (name: string) =>
    memo(champions, name, async () => resolveChampion(name, await listing(name)));
  const load = (info: ModelVersionInfo) => {
    assertOpen();
    return memo(loaded, `${info.name}@${info.version}`, () => loadTextClassifier(info.dir, { sessions }));
  };

  async function find(name: string, version: string): Promise<ModelVersionInfo> {
    const versions = await listing(name);
    if (versions.length === 0) throw new ModelNotFoundError(name);
    // Newest first, so a major finds its newest minor and patch.
    const info = MAJOR.test(version)
      ? versions.find((v) => majorOf(v.version) === Number(version))
      : versions.find((v) => v.version === version);
    if (!info) throw new ModelNotFoundError(name, version);
    return info;
  }

  async function swap(name: string) {
    const previous = await (champions.get(name) ?? Promise.resolve(null)).catch(() => null);
    const versions = await readVersions(name);
    const current = await resolveChampion(name, versions);
    const info = versions.find((v) => v.version === current) as ModelVersionInfo;
    // Loading first is what keeps a broken new champion from replacing a working one.
    await load(info);
    assertOpen();
    listings.set(name, Promise.resolve(versions));
    champions.set(name, Promise.resolve(current));
    serving.delete(name);
    if (previous !== null && previous !== current) retire(`${name}@${previous}`);
    return { name, previous, current };
  }

  function retire(key: string): void {
    const classifier = loaded.get(key);
    if (!classifier) return;
    loaded.delete(key);
    const timer = setTimeout(() => {
      retiring.delete(timer);
      void classifier.then((c) => c.close()).catch(ignore);
    }, closeGraceMs);
    // A pending retirement must not keep a finished process alive; close() retires it at once.
    timer.unref();
    retiring.set(timer, classifier);
  }

  return {
    async versions(name) {
      check(name);
      return readVersions(name);
    },

    async championVersion(name) {
      check(name);
      return champion(name);
    },

    async classifier(name, version) {
      check(name);
      if (version !== undefined) return load(await find(name, version));
      const hit = serving.get(name);
      if (hit) return hit;
      const resolving = champion(name);
      const classifier = await load(await find(name, await resolving));
      // Unless a refresh swapped the champion meanwhile.
      if (champions.get(name) === resolving && !closed) serving.set(name, classifier);
      return classifier;
    },

    async refresh(name) {
      check(name);
      // Serialized per model, so two refreshes cannot both swap and retire the same classifier.
      const run = (refreshes.get(name) ?? Promise.resolve()).then(() => swap(name));
      refreshes.set(name, run.catch(ignore));
      return run;
    },

    async promote(name, version, by) {
      check(name);
      if (!records) throw new Error('Promoting a text model needs a documents store');
      if (!VERSION.test(version) || !(await readVersions(name)).some((v) => v.version === version))
        throw new ModelNotFoundError(name, version);
      await records.set(name, { name, champion: version, updatedAt: clock(), updatedBy: by });
    },

    async close() {
      if (closed) return;
      closed = true;
      const classifiers = [...loaded.values(), ...retiring.values()];
      for (const timer of retiring.keys()) clearTimeout(timer);
      retiring.clear();
      loaded.clear();
      serving.clear();
      await Promise.allSettled(classifiers.map(async (c) => (await c).close()));
      await sessions.clear();
    },
  };
}

// Numeric per part, so 1.10.0 sorts after 1.9.0.
function compareVersions(a: string, b: string): number {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number)) as [number[], number[]];
  for (let i = 0; i < 3; i++) {
    const diff = (x[i] ?? 0) - (y[i] ?? 0);
    if (diff !== 0) return Math.sign(diff);
  }
  return 0;
}

const majorOf = (version: string) => Number(version.split('.')[0]);

// Names and versions come from callers; quoting and clipping keeps a hostile one from flooding logs.
function quote(s: string): string {
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);
}
