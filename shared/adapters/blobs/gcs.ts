/** Google Cloud Storage Blobs adapter over @google-cloud/storage v7. */
import type { Bucket, File, FileMetadata, SaveOptions, Storage } from '@google-cloud/storage';
import {
  assertObjectName,
  assertSignedUrlExpiry,
  type BlobInfo,
  type BlobStore,
  PreconditionFailedError,
  type PutOptions,
  type SignedUrlOptions,
} from '../../ports/blobs.js';

export interface GcsBlobStoreOptions {
  storage: Storage;
  bucket: string;
}

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';
const LIST_PAGE_SIZE = 1000;
// A get reads metadata, then that exact generation; a concurrent overwrite makes the second step 404.
const GET_ATTEMPTS = 3;

export class GcsBlobStore implements BlobStore {
  readonly kind = 'gcs' as const;
  readonly #bucket: Bucket;

  constructor(options: GcsBlobStoreOptions) {
    this.#bucket = options.storage.bucket(options.bucket);
  }

  async put(name: string, data: Uint8Array, options: PutOptions = {}): Promise<BlobInfo> {
    assertObjectName(name);
    const file = this.#bucket.file(name);
    const saveOptions: SaveOptions = {
      resumable: false,
      // Always explicit: otherwise the client guesses a type from the name's extension.
      contentType: options.contentType ?? DEFAULT_CONTENT_TYPE,
      metadata: { metadata: { ...(options.metadata ?? {}) } },
    };
    if (options.ifGenerationMatch !== undefined) {
      saveOptions.preconditionOpts = { ifGenerationMatch: options.ifGenerationMatch };
    }
    try {
      await file.save(Buffer.from(data.buffer, data.byteOffset, data.byteLength), saveOptions);
    } catch (error) {
      throw translateError(error, name);
    }
    // save() leaves the upload response (the new object resource) on file.metadata.
    return toBlobInfo(name, file.metadata);
  }

  async get(name: string): Promise<{ data: Buffer; info: BlobInfo } | null> {
    assertObjectName(name);
    for (let attempt = 1; ; attempt++) {
      const info = await this.head(name);
      if (!info) return null;
      // Pinning the generation keeps data and info from two different writes apart.
      const pinned = this.#bucket.file(name, { generation: info.generation });
      try {
        const [data] = await pinned.download();
        return { data, info };
      } catch (error) {
        if (httpStatus(error) !== 404 || attempt >= GET_ATTEMPTS) throw translateError(error, name);
      }
    }
  }

  async head(name: string): Promise<BlobInfo | null> {
    assertObjectName(name);
    try {
      const [metadata] = await this.#bucket.file(name).getMetadata();
      return toBlobInfo(name, metadata);
    } catch (error) {
      if (httpStatus(error) === 404) return null;
      throw translateError(error, name);
    }
  }

  async list(prefix = '', options: { limit?: number } = {}): Promise<BlobInfo[]> {
    const limit = normalizeLimit(options.limit);
    const infos: BlobInfo[] = [];
    let pageToken: string | undefined;
    while (infos.length < limit) {
      const [files, nextQuery] = await this.#bucket.getFiles({
        prefix,
        maxResults: Math.min(LIST_PAGE_SIZE, limit - infos.length),
        autoPaginate: false,
        ...(pageToken ? { pageToken } : {}),
      });
      infos.push(...files.map((file: File) => toBlobInfo(file.name, file.metadata)));
      pageToken = nextQuery && 'pageToken' in nextQuery ? nextQuery.pageToken : undefined;
      if (!pageToken) break;
    }
    return infos.slice(0, limit);
  }

  async delete(name: string, options: { ifGenerationMatch?: string } = {}): Promise<boolean> {
    assertObjectName(name);
    try {
      const preconditions =
        options.ifGenerationMatch === undefined ? {} : { ifGenerationMatch: options.ifGenerationMatch };
      await this.#bucket.file(name).delete(preconditions);
      return true;
    } catch (error) {
      if (httpStatus(error) === 404) return false;
      throw translateError(error, name);
    }
  }

  async signedUrl(name: string, options: SignedUrlOptions): Promise<string> {
    assertObjectName(name);
    assertSignedUrlExpiry(options.expiresInSeconds);
    const [url] = await this.#bucket.file(name).getSignedUrl({
      version: 'v4',
      action: options.action,
      expires: Date.now() + options.expiresInSeconds * 1000,
      // A signed Content-Type must be sent by the client; only uploads send one.
      ...(options.action === 'write' && options.contentType ? { contentType: options.contentType } : {}),
    });
    return url;
  }

  async ping(): Promise<void> {
    await this.#bucket.getMetadata();
  }
}

function toBlobInfo(name: string, metadata: FileMetadata): BlobInfo {
  return {
    name,
    size: Number(metadata.size ?? 0),
    contentType: metadata.contentType ?? DEFAULT_CONTENT_TYPE,
    generation: String(metadata.generation ?? ''),
    etag: metadata.etag ?? '',
    // GCS reports base64; composite objects have no MD5 at all.
    md5: metadata.md5Hash ? Buffer.from(metadata.md5Hash, 'base64').toString('hex') : '',
    updated: new Date(metadata.updated ?? metadata.timeCreated ?? 0),
    metadata: stringValues(metadata.metadata),
  };
}

function stringValues(values: FileMetadata['metadata']): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(values ?? {})) {
    if (value !== null && value !== undefined) result[key] = String(value);
  }
  return result;
}

function normalizeLimit(limit: number | undefined): number {
  if (limit === undefined) return Number.POSITIVE_INFINITY;
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError('limit must be a non-negative integer');
  return limit;
}

function httpStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, response } = error as { code?: unknown; response?: { status?: unknown } };
  if (typeof code === 'number') return code;
  return typeof response?.status === 'number' ? response.status : undefined;
}

function translateError(error: unknown, name: string): unknown {
  if (httpStatus(error) === 412) {
    return new PreconditionFailedError(`generation precondition failed for ${name}`, { cause: error });
  }
  return error;
}
