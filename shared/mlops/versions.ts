/**
 * The model registry's version records: one document per trained version (stage, metrics per evaluation
 * set, artifact and checksum, training data, who promoted it), beside the champion pointer that serving
 * instances read (`modelRegistry/<name>`, see shared/text/registry.ts).
 */
import { COLLECTIONS } from '../ports/collections.js';
import type { Collection, DocumentStore } from '../ports/documents.js';
import type { RegistryRecord } from '../text/registry.js';

/** One version per document. */
export const MODEL_VERSIONS = COLLECTIONS.modelVersions;

export type ModelStage = 'candidate' | 'champion' | 'archived';

export interface ArtifactRef {
  /** Blob prefix holding `model.onnx`, `manifest.json`, `card.json`, `baseline.json`. */
  location: string;
  /** sha256 of every file under the prefix: a fetched copy that differs is refused. */
  files: Record<string, string>;
  /** sha256 of model.onnx (as in the manifest). */
  sha256: string;
}

export interface TrainingDataRef {
  base: string;
  baseRows: number;
  upload: { object: string; generation: string; sha256: string; rows: number } | null;
  feedbackRows: number;
}

export interface ModelVersionRecord {
  name: string;
  version: string;
  stage: ModelStage;
  createdAt: Date;
  artifact: ArtifactRef;
  trainingData: TrainingDataRef;
  /** Evaluation set → metric → value. */
  metrics: Record<string, Record<string, number>>;
  primaryMetric: string;
  /** The retrain run that produced it: a redelivered request finds its version by this key. */
  runKey: string;
  reportLocation: string | null;
  promotedAt: Date | null;
  promotedBy: string | null;
  /** Why the loop promoted it or not (one line). */
  decision: string;
}

export class VersionNotFoundError extends Error {
  override name = 'VersionNotFoundError';
}

const idOf = (name: string, version: string) => `${name}@${version}`;

/**
 * @example
 *   const versions = new ModelVersionStore(platform.documents, platform.clock);
 *   await versions.register(record);                       // false if that version exists
 *   await versions.promote('toxicity-en', '1.0.1', 'retrain'); // stages + champion pointer
 *   await versions.promote('toxicity-en', '1.0.0', 'alice');  // a rollback is a promotion
 */
export class ModelVersionStore {
  readonly #versions: Collection<ModelVersionRecord>;
  readonly #pointers: Collection<RegistryRecord>;

  constructor(
    documents: DocumentStore,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.#versions = documents.collection<ModelVersionRecord>(MODEL_VERSIONS);
    this.#pointers = documents.collection<RegistryRecord>(COLLECTIONS.modelRegistry);
  }

  /** Creates the record only if that version is not registered yet (atomic); false otherwise. */
  register(record: ModelVersionRecord): Promise<boolean> {
    return this.#versions.create(idOf(record.name, record.version), record);
  }

  get(name: string, version: string): Promise<ModelVersionRecord | null> {
    return this.#versions.get(idOf(name, version));
  }

  async list(name: string): Promise<ModelVersionRecord[]> {
    const docs = await this.#versions.query({
      where: [{ field: 'name', op: '==', value: name }],
      limit: 1000,
    });
    return docs.map((d) => d.data).sort((a, b) => compareVersions(b.version, a.version));
  }

  async byRunKey(name: string, runKey: string): Promise<ModelVersionRecord | null> {
    const docs = await this.#versions.query({
      where: [
        { field: 'name', op: '==', value: name },
        { field: 'runKey', op: '==', value: runKey },
      ],
      limit: 1,
    });
    return docs[0]?.data ?? null;
  }

  /** The pointer serving instances follow; null when no promotion was ever recorded. */
  async champion(name: string): Promise<RegistryRecord | null> {
    return this.#pointers.get(name);
  }

  /**
   * Makes `version` the champion: the pointer first (what serving follows), then the stages. A version
   * only on disk (the committed models) has no record and may be promoted too — the rollback target.
   * `known` lists the versions that exist anywhere (disk or records); others are refused.
   */
  async promote(
    name: string,
    version: string,
    by: string,
    known: readonly string[] = [],
  ): Promise<{ previous: string | null }> {
    const record = await this.get(name, version);
    if (!record && !known.includes(version))
      throw new VersionNotFoundError(`${name} has no version ${version}`);
    const now = this.clock();
    const previous = (await this.champion(name))?.champion ?? null;
    await this.#pointers.set(name, { name, champion: version, updatedAt: now, updatedBy: by });
    if (record)
      await this.#versions.update(idOf(name, version), {
        stage: 'champion',
        promotedAt: now,
        promotedBy: by,
      });
    if (previous && previous !== version)
      await this.#versions.update(idOf(name, previous), { stage: 'archived' });
    return { previous };
  }
}

/** Numeric per part, so 1.10.0 sorts after 1.9.0. */
export function compareVersions(a: string, b: string): number {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number)) as [number[], number[]];
  for (let i = 0; i < 3; i++) {
    const diff = (x[i] ?? 0) - (y[i] ?? 0);
    if (diff !== 0) return Math.sign(diff);
  }
  return 0;
}

/** The next patch after the newest of `versions` (1.0.0 → 1.0.1); 1.0.0 when there are none. */
export function nextVersion(versions: readonly string[]): string {
  const newest = [...versions].sort(compareVersions).at(-1);
  if (!newest) return '1.0.0';
  const [major, minor, patch] = newest.split('.').map(Number) as [number, number, number];
  return `${major}.${minor}.${patch + 1}`;
}
