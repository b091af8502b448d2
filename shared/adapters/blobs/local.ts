/** Local-filesystem Blobs adapter for development: atomic file writes, per-name locking, HMAC-signed URLs. */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { constants, type Dirent } from 'node:fs';
import {
  access,
  type FileHandle,
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  rmdir,
} from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import {
  assertObjectName,
  assertSignedUrlExpiry,
  type BlobInfo,
  type BlobStore,
  InvalidObjectNameError,
  PreconditionFailedError,
  type PutOptions,
  type SignedUrlOptions,
} from '../../ports/blobs.js';

export interface LocalBlobStoreOptions {
  root: string;
  /** Where createLocalBlobApp is mounted, e.g. `http://localhost:8080/_blobs`. */
  baseUrl: string;
  signingKey: Uint8Array;
  clock?: () => Date;
}

export interface LocalSignedUrlParams {
  name: string;
  action: string;
  expires: string | number;
  signature: string;
  contentType?: string;
}

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
const META_SUFFIX = '.json';
// Linux NAME_MAX is 255 bytes and the metadata file appends META_SUFFIX to the last segment.
const MAX_SEGMENT_BYTES = 255 - META_SUFFIX.length;
const TEMP_PREFIX = '.~tmp-';
const MIN_SIGNING_KEY_BYTES = 16;
// Errors meaning "a path component is a file where a directory is needed" or vice versa.
const CONFLICT_CODES = new Set(['ENOTDIR', 'EISDIR', 'EEXIST']);
const ABSENT_CODES = new Set(['ENOENT', 'ENOTDIR', 'ENAMETOOLONG']);

interface StoredMeta {
  size: number;
  contentType: string;
  generation: string;
  md5: string;
  etag: string;
  metadata: Record<string, string>;
  updated: string;
}

export class LocalBlobStore implements BlobStore {
  readonly kind = 'local' as const;
  readonly #objectsRoot: string;
  readonly #metaRoot: string;
  readonly #baseUrl: string;
  readonly #signingKey: Uint8Array;
  readonly #clock: () => Date;
  readonly #locks = new KeyedMutex();
  #lastGeneration = 0n;

  constructor(options: LocalBlobStoreOptions) {
    if (options.signingKey.byteLength < MIN_SIGNING_KEY_BYTES) {
      throw new RangeError(`signingKey must be at least ${MIN_SIGNING_KEY_BYTES} bytes`);
    }
    const root = path.resolve(options.root);
    this.#objectsRoot = path.join(root, 'objects');
    this.#metaRoot = path.join(root, 'meta');
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    // Copied so a caller reusing its buffer cannot change the key under us.
    this.#signingKey = Uint8Array.from(options.signingKey);
    this.#clock = options.clock ?? (() => new Date());
  }

  async put(name: string, data: Uint8Array, options: PutOptions = {}): Promise<BlobInfo> {
    assertStorableName(name);
    // Copied up front so the md5 and the bytes on disk agree even if the caller mutates `data` meanwhile.
    const bytes = Buffer.from(data);
    const metadata = { ...(options.metadata ?? {}) };
    return this.#locks.run(name, async () => {
      const current = await this.#readMeta(name);
      checkGeneration(name, current, options.ifGenerationMatch);
      const generation = this.#nextGeneration(current?.generation);
      const md5 = createHash('md5').update(bytes).digest('hex');
      const meta: StoredMeta = {
        size: bytes.byteLength,
        contentType: options.contentType ?? DEFAULT_CONTENT_TYPE,
        generation,
        md5,
        etag: `${md5}-${generation}`,
        metadata,
        updated: this.#clock().toISOString(),
      };
      await this.#writeObjectAndMeta(name, bytes, meta);
      return toBlobInfo(name, meta);
    });
  }

  async get(name: string): Promise<{ data: Buffer; info: BlobInfo } | null> {
    assertObjectName(name);
    const opened = await this.#openConsistent(name);
    if (!opened) return null;
    try {
      return { data: await opened.handle.readFile(), info: opened.info };
    } finally {
      await opened.handle.close();
    }
  }

  /** Streaming read for the local HTTP server; the stream closes its file handle when done or destroyed. */
  async openRead(name: string): Promise<{ stream: Readable; info: BlobInfo } | null> {
    assertObjectName(name);
    const opened = await this.#openConsistent(name);
    if (!opened) return null;
    return { stream: opened.handle.createReadStream(), info: opened.info };
  }

  async head(name: string): Promise<BlobInfo | null> {
    assertObjectName(name);
    const meta = await this.#readMeta(name);
    return meta ? toBlobInfo(name, meta) : null;
  }

  async list(prefix = '', options: { limit?: number } = {}): Promise<BlobInfo[]> {
    const limit = normalizeLimit(options.limit);
    const startDir = listingStartDir(prefix);
    if (limit === 0 || startDir === null) return [];
    const names = (await this.#walkMetaNames(startDir)).filter((name) => name.startsWith(prefix));
    const infos: BlobInfo[] = [];
    for (const name of sortByUtf8(names)) {
      if (infos.length >= limit) break;
      // A concurrent delete may remove an object between the walk and this read.
      const meta = await this.#readMeta(name);
      if (meta) infos.push(toBlobInfo(name, meta));
    }
    return infos;
  }

  async delete(name: string, options: { ifGenerationMatch?: string } = {}): Promise<boolean> {
    assertObjectName(name);
    return this.#locks.run(name, async () => {
      const current = await this.#readMeta(name);
      if (!current) return false;
      checkGeneration(name, current, options.ifGenerationMatch);
      // Metadata first: it is what makes an object exist, so a crash here leaves at worst an orphan file.
      await rm(this.#metaPath(name), { force: true });
      await rm(this.#objectPath(name), { force: true });
      // GCS has no directories; leftover empty ones would block a later object named like the directory.
      await pruneEmptyDirs(path.dirname(this.#metaPath(name)), this.#metaRoot);
      await pruneEmptyDirs(path.dirname(this.#objectPath(name)), this.#objectsRoot);
      return true;
    });
  }

  async signedUrl(name: string, options: SignedUrlOptions): Promise<string> {
    assertObjectName(name);
    assertSignedUrlExpiry(options.expiresInSeconds);
    if (options.action !== 'read' && options.action !== 'write') {
      throw new TypeError(`unsupported signed URL action: ${String(options.action)}`);
    }
    const expires = unixSeconds(this.#clock()) + options.expiresInSeconds;
    // Only uploads carry a Content-Type to check; a GET has none, so read URLs sign an empty one.
    const contentType = options.action === 'write' ? (options.contentType ?? '') : '';
    const signature = signLocal(this.#signingKey, options.action, name, expires, contentType).toString('hex');
    const query = new URLSearchParams({
      'X-Vigil-Action': options.action,
      'X-Vigil-Expires': String(expires),
      'X-Vigil-Signature': signature,
    });
    return `${this.#baseUrl}/${encodeObjectPath(name)}?${query.toString()}`;
  }

  async ping(): Promise<void> {
    await mkdir(this.#objectsRoot, { recursive: true });
    await mkdir(this.#metaRoot, { recursive: true });
    await access(this.#objectsRoot, constants.W_OK);
    await access(this.#metaRoot, constants.W_OK);
  }

  #objectPath(name: string): string {
    return resolveInside(this.#objectsRoot, name);
  }

  #metaPath(name: string): string {
    return resolveInside(this.#metaRoot, `${name}${META_SUFFIX}`);
  }

  #nextGeneration(current: string | undefined): string {
    const nowMicros = BigInt(this.#clock().getTime()) * 1000n;
    let next = nowMicros > this.#lastGeneration ? nowMicros : this.#lastGeneration + 1n;
    // Also beat what is on disk, so generations keep increasing across restarts and clock steps.
    if (current !== undefined && BigInt(current) >= next) next = BigInt(current) + 1n;
    this.#lastGeneration = next;
    return next.toString();
  }

  async #readMeta(name: string): Promise<StoredMeta | null> {
    try {
      return JSON.parse(await readFile(this.#metaPath(name), 'utf8')) as StoredMeta;
    } catch (error) {
      if (ABSENT_CODES.has(errorCode(error))) return null;
      throw error;
    }
  }

  /** Opens data and metadata under the name's lock; the open handle keeps this generation's bytes past a rename. */
  async #openConsistent(name: string): Promise<{ handle: FileHandle; info: BlobInfo } | null> {
    return this.#locks.run(name, async () => {
      const meta = await this.#readMeta(name);
      if (!meta) return null;
      try {
        return { handle: await open(this.#objectPath(name), 'r'), info: toBlobInfo(name, meta) };
      } catch (error) {
        if (ABSENT_CODES.has(errorCode(error))) return null;
        throw error;
      }
    });
  }

  async #writeObjectAndMeta(name: string, bytes: Buffer, meta: StoredMeta): Promise<void> {
    const objectPath = this.#objectPath(name);
    const metaPath = this.#metaPath(name);
    const temps: string[] = [];
    try {
      temps.push(await writeTempBeside(objectPath, bytes));
      temps.push(await writeTempBeside(metaPath, JSON.stringify(meta)));
      // Checked before either rename so a conflict cannot leave new data next to old metadata.
      await assertNotDirectory(objectPath);
      await assertNotDirectory(metaPath);
      await rename(temps[0]!, objectPath);
      await rename(temps[1]!, metaPath);
    } catch (error) {
      await Promise.all(temps.map((temp) => rm(temp, { force: true })));
      throw CONFLICT_CODES.has(errorCode(error)) ? conflictError(name) : error;
    }
  }

  async #walkMetaNames(relativeDir: string): Promise<string[]> {
    const dir = relativeDir === '' ? this.#metaRoot : resolveInside(this.#metaRoot, relativeDir);
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (ABSENT_CODES.has(errorCode(error))) return [];
      throw error;
    }
    const names: string[] = [];
    for (const entry of entries) {
      const relative = relativeDir === '' ? entry.name : `${relativeDir}/${entry.name}`;
      if (entry.isDirectory()) {
        names.push(...(await this.#walkMetaNames(relative)));
      } else if (entry.isFile() && entry.name.endsWith(META_SUFFIX)) {
        const name = relative.slice(0, -META_SUFFIX.length);
        if (isValidObjectName(name)) names.push(name);
      }
    }
    return names;
  }
}

/** Constant-time check of a URL produced by `LocalBlobStore.signedUrl`, including its expiry. */
export function verifyLocalSignedUrl(
  params: LocalSignedUrlParams,
  signingKey: Uint8Array,
  now: Date,
): boolean {
  if (params.action !== 'read' && params.action !== 'write') return false;
  const expires = parseExpires(params.expires);
  if (expires === null || unixSeconds(now) > expires) return false;
  if (!/^[0-9a-f]{64}$/.test(params.signature) || !isValidObjectName(params.name)) return false;
  const expected = signLocal(signingKey, params.action, params.name, expires, params.contentType ?? '');
  return timingSafeEqual(Buffer.from(params.signature, 'hex'), expected);
}

/** Joins `relative` onto `base` and proves the result stays strictly inside `base` (defence behind assertObjectName). */
export function resolveInside(base: string, relative: string): string {
  const resolved = path.resolve(base, relative);
  const rel = path.relative(base, resolved);
  if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
    throw new InvalidObjectNameError('invalid object name: resolves outside the store root');
  }
  return resolved;
}

/** Percent-encodes each segment but keeps '/' so the URL path mirrors the object name. */
export function encodeObjectPath(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}

function signLocal(
  key: Uint8Array,
  action: string,
  name: string,
  expires: number,
  contentType: string,
): Buffer {
  return createHmac('sha256', key).update(`${action}\n${name}\n${expires}\n${contentType}`).digest();
}

function parseExpires(value: string | number): number | null {
  const text = String(value);
  return /^\d{1,15}$/.test(text) ? Number(text) : null;
}

function unixSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

function assertStorableName(name: string): void {
  assertObjectName(name);
  for (const segment of name.split('/')) {
    if (Buffer.byteLength(segment, 'utf8') > MAX_SEGMENT_BYTES) {
      throw new InvalidObjectNameError(
        `invalid object name: a segment is longer than ${MAX_SEGMENT_BYTES} bytes (local file system limit)`,
      );
    }
  }
}

function isValidObjectName(name: string): boolean {
  try {
    assertObjectName(name);
    return true;
  } catch {
    return false;
  }
}

function checkGeneration(name: string, current: StoredMeta | null, expected: string | undefined): void {
  if (expected === undefined) return;
  // An absent object has generation '0', which is what makes ifGenerationMatch '0' mean "create only".
  const actual = current?.generation ?? '0';
  if (actual !== expected) {
    throw new PreconditionFailedError(`generation mismatch for ${name}: expected ${expected}`);
  }
}

function conflictError(name: string): InvalidObjectNameError {
  return new InvalidObjectNameError(
    `invalid object name: ${name} collides with another object's path in the local store ` +
      `(a file system cannot hold both 'a' and 'a/b')`,
  );
}

function normalizeLimit(limit: number | undefined): number {
  if (limit === undefined) return Number.POSITIVE_INFINITY;
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError('limit must be a non-negative integer');
  return limit;
}

/** The meta directory holding every name that starts with `prefix`, or null when no valid name can. */
function listingStartDir(prefix: string): string | null {
  const dir = prefix.slice(0, Math.max(prefix.lastIndexOf('/'), 0));
  if (dir === '') return prefix.startsWith('/') ? null : '';
  return isValidObjectName(dir) ? dir : null;
}

/** GCS lists in UTF-8 byte order, which differs from JS UTF-16 order for astral characters. */
function sortByUtf8(names: string[]): string[] {
  return names
    .map((name) => ({ name, key: Buffer.from(name, 'utf8') }))
    .sort((a, b) => Buffer.compare(a.key, b.key))
    .map(({ name }) => name);
}

function toBlobInfo(name: string, meta: StoredMeta): BlobInfo {
  return {
    name,
    size: meta.size,
    contentType: meta.contentType,
    generation: meta.generation,
    etag: meta.etag,
    md5: meta.md5,
    updated: new Date(meta.updated),
    metadata: { ...meta.metadata },
  };
}

async function writeTempBeside(target: string, data: string | Buffer): Promise<string> {
  const dir = path.dirname(target);
  for (let attempt = 1; ; attempt++) {
    await mkdir(dir, { recursive: true });
    const temp = path.join(dir, `${TEMP_PREFIX}${randomBytes(16).toString('hex')}`);
    try {
      await writeDurably(temp, data);
      return temp;
    } catch (error) {
      await rm(temp, { force: true });
      // A concurrent delete may prune the just-created directory; recreate it and try again.
      if (errorCode(error) === 'ENOENT' && attempt < 3) continue;
      throw error;
    }
  }
}

async function writeDurably(file: string, data: string | Buffer): Promise<void> {
  const handle = await open(file, 'wx');
  try {
    await handle.writeFile(data);
    // Without fsync a crash after the rename could expose an empty or partial file.
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function assertNotDirectory(file: string): Promise<void> {
  const stats = await lstat(file).catch((error: unknown) => {
    if (errorCode(error) === 'ENOENT') return null;
    throw error;
  });
  if (stats?.isDirectory()) throw Object.assign(new Error(`${file} is a directory`), { code: 'EISDIR' });
}

async function pruneEmptyDirs(dir: string, stopAt: string): Promise<void> {
  let current = dir;
  while (current !== stopAt && current.startsWith(`${stopAt}${path.sep}`)) {
    try {
      await rmdir(current);
    } catch {
      return;
    }
    current = path.dirname(current);
  }
}

function errorCode(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
}

/** Serialises async work per key; keys are dropped once idle so the map does not grow with every name. */
class KeyedMutex {
  readonly #tails = new Map<string, Promise<void>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => done);
    this.#tails.set(key, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}
