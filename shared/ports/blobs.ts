/** Blobs port: named binary objects (models, datasets, reports, result images). */

export interface BlobInfo {
  name: string;
  size: number;
  contentType: string;
  /** Monotonic per object name; changes on every write. Use with `ifGenerationMatch` for idempotency. */
  generation: string;
  etag: string;
  /** Hex MD5 of the content. */
  md5: string;
  updated: Date;
  metadata: Record<string, string>;
}

export interface PutOptions {
  contentType?: string;
  metadata?: Record<string, string>;
  /** '0' means "only if the object does not exist yet". Mismatch throws `PreconditionFailedError`. */
  ifGenerationMatch?: string;
}

export interface SignedUrlOptions {
  action: 'read' | 'write';
  expiresInSeconds: number;
  contentType?: string;
}

export interface BlobStore {
  readonly kind: 'gcs' | 'local';
  put(name: string, data: Uint8Array, options?: PutOptions): Promise<BlobInfo>;
  /** Null when absent. */
  get(name: string): Promise<{ data: Buffer; info: BlobInfo } | null>;
  head(name: string): Promise<BlobInfo | null>;
  /** Objects whose name starts with `prefix`, sorted by name. */
  list(prefix?: string, options?: { limit?: number }): Promise<BlobInfo[]>;
  /** False when absent. `ifGenerationMatch` mismatch throws `PreconditionFailedError`. */
  delete(name: string, options?: { ifGenerationMatch?: string }): Promise<boolean>;
  signedUrl(name: string, options: SignedUrlOptions): Promise<string>;
  ping(): Promise<void>;
}

export class InvalidObjectNameError extends Error {
  override name = 'InvalidObjectNameError';
}

export class PreconditionFailedError extends Error {
  override name = 'PreconditionFailedError';
}

export const MAX_SIGNED_URL_SECONDS = 7 * 24 * 3600;

/**
 * Object names are relative, '/'-separated paths with no '.' or '..' segments, no empty segments,
 * no backslashes or control characters, at most 1024 UTF-8 bytes (GCS's limit).
 */
export function assertObjectName(name: string): void {
  const bad = (why: string) => new InvalidObjectNameError(`invalid object name: ${why}`);
  if (typeof name !== 'string' || name.length === 0) throw bad('empty');
  if (Buffer.byteLength(name, 'utf8') > 1024) throw bad('longer than 1024 bytes');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f\\]/.test(name)) throw bad('control character or backslash');
  if (name.startsWith('/')) throw bad('absolute');
  for (const segment of name.split('/')) {
    if (segment === '') throw bad('empty segment');
    if (segment === '.' || segment === '..') throw bad('dot segment');
  }
}

/** Signed URL lifetimes are whole seconds in 1..MAX_SIGNED_URL_SECONDS (the GCS v4 limit); throws RangeError. */
export function assertSignedUrlExpiry(expiresInSeconds: number): void {
  if (
    !Number.isInteger(expiresInSeconds) ||
    expiresInSeconds < 1 ||
    expiresInSeconds > MAX_SIGNED_URL_SECONDS
  ) {
    throw new RangeError(`expiresInSeconds must be an integer in 1..${MAX_SIGNED_URL_SECONDS}`);
  }
}
