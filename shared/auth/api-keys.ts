/**
 * API keys: `vk_<id>_<secret>`, stored only as a SHA-256 hash (the secret is 256 random bits, so a slow
 * hash adds nothing), compared in constant time, revocable, each with scopes and an optional rate limit.
 */
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { COLLECTIONS } from '../ports/collections.js';
import type { Collection, DocumentStore } from '../ports/documents.js';
import type { Principal } from './scopes.js';

export interface ApiKeyRecord {
  name: string;
  /** First characters of the key, shown in listings so people can tell keys apart. */
  prefix: string;
  hash: string;
  scopes: string[];
  rateLimitPerMinute: number | null;
  createdAt: Date;
  createdBy: string;
  revokedAt: Date | null;
}

export type ApiKeyMetadata = Omit<ApiKeyRecord, 'hash'> & { id: string };

const KEY_FORMAT = /^vk_([a-z2-7]{16})_([A-Za-z0-9_-]{43})$/;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
/** Operator-supplied bootstrap keys have no embedded id; they live under this one. */
export const BOOTSTRAP_KEY_ID = 'bootstrap';
export const API_KEYS_COLLECTION = COLLECTIONS.apiKeys;

function sha256(text: string): Buffer {
  // One-shot: no Hash object per request (verify runs on every API-key request).
  return hash('sha256', text, 'buffer');
}

function newKeyId(): string {
  return Array.from(randomBytes(16), (b) => BASE32[b & 31]).join('');
}

interface CacheEntry {
  principal: Principal;
  expiresMs: number;
  /** From here on, a request still gets this entry but also starts a lookup in the background. */
  refreshMs: number;
}

export class ApiKeyStore {
  private readonly keys: Collection<ApiKeyRecord>;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly lookups = new Map<string, Promise<Principal | null>>();
  /** Bumped by revoke and clear: a lookup that read the store before then caches nothing. */
  private generation = 0;

  /** `cacheSeconds` bounds how long a key revoked on another instance may still be accepted here. */
  constructor(
    documents: DocumentStore,
    private readonly options: { cacheSeconds: number; clock: () => Date },
  ) {
    this.keys = documents.collection<ApiKeyRecord>(API_KEYS_COLLECTION);
  }

  /** Creates a key; the plaintext is returned once and never stored. */
  async create(input: {
    name: string;
    scopes: string[];
    rateLimitPerMinute?: number | null;
    createdBy: string;
  }): Promise<{ id: string; key: string; metadata: ApiKeyMetadata }> {
    const id = newKeyId();
    const key = `vk_${id}_${randomBytes(32).toString('base64url')}`;
    const record: ApiKeyRecord = {
      name: input.name,
      prefix: key.slice(0, 11),
      hash: sha256(key).toString('hex'),
      scopes: [...new Set(input.scopes)],
      rateLimitPerMinute: input.rateLimitPerMinute ?? null,
      createdAt: this.options.clock(),
      createdBy: input.createdBy,
      revokedAt: null,
    };
    if (!(await this.keys.create(id, record))) throw new Error('API key id collision');
    return { id, key, metadata: toMetadata(id, record) };
  }

  /**
   * Stores an operator-chosen key (e.g. VIGIL_BOOTSTRAP_API_KEY) with admin scope; idempotent. The
   * key comes from config, so its principal is cached as soon as the write is sent: requests that
   * present it do not wait for the write (on a new embedded data dir, for the database to open).
   */
  async ensureBootstrapKey(key: string): Promise<void> {
    const hash = sha256(key).toString('hex');
    const existing = await this.keys.get(BOOTSTRAP_KEY_ID);
    if (existing && existing.hash === hash && !existing.revokedAt) return;
    const record: ApiKeyRecord = {
      name: 'bootstrap (from VIGIL_BOOTSTRAP_API_KEY)',
      prefix: key.slice(0, 4),
      hash,
      scopes: ['admin'],
      rateLimitPerMinute: null,
      createdAt: this.options.clock(),
      createdBy: 'config',
      revokedAt: null,
    };
    const writing = this.keys.set(BOOTSTRAP_KEY_ID, record);
    this.generation++;
    this.cache.clear();
    this.remember(hash, principalOf(BOOTSTRAP_KEY_ID, record), this.options.clock().getTime());
    try {
      await writing;
    } catch (error) {
      this.cache.delete(hash);
      throw error;
    }
    // A lookup that read the store while the write was on its way caches nothing.
    this.generation++;
  }

  async list(): Promise<ApiKeyMetadata[]> {
    const docs = await this.keys.query({ orderBy: { field: 'createdAt', direction: 'desc' }, limit: 1000 });
    return docs.map((d) => toMetadata(d.id, d.data));
  }

  /** Returns false when there is no such key. Revoking twice keeps the first revocation time. */
  async revoke(id: string): Promise<boolean> {
    const existing = await this.keys.get(id);
    if (!existing) return false;
    if (!existing.revokedAt) await this.keys.update(id, { revokedAt: this.options.clock() });
    this.generation++;
    for (const [hash, entry] of this.cache) if (entry.principal.subject === id) this.cache.delete(hash);
    return true;
  }

  /** Resolves a presented key to its principal, or null when unknown, malformed or revoked. */
  async verify(presented: string): Promise<Principal | null> {
    if (presented.length > 256) return null;
    const digest = sha256(presented);
    const cacheKey = digest.toString('hex');
    const nowMs = this.options.clock().getTime();
    const cached = this.cache.get(cacheKey);
    if (cached && cached.expiresMs > nowMs) {
      // A busy key is read again in the background once past half its cache time, so its requests
      // never wait for the store (where a read queues behind the history writes' group commit). A
      // key revoked elsewhere still stops working within `cacheSeconds` of the last read.
      if (cached.refreshMs <= nowMs && !this.lookups.has(cacheKey))
        this.startLookup(presented, digest, cacheKey, nowMs).catch(() => undefined);
      return cached.principal;
    }
    // When the cache entry of a busy key expires, every request in flight misses at once: one
    // store lookup answers them all (32 concurrent lookups stalled the event loop for ~60 ms).
    return this.lookups.get(cacheKey) ?? this.startLookup(presented, digest, cacheKey, nowMs);
  }

  private startLookup(
    presented: string,
    digest: Buffer,
    cacheKey: string,
    nowMs: number,
  ): Promise<Principal | null> {
    const lookup = this.lookup(presented, digest, cacheKey, nowMs).finally(() =>
      this.lookups.delete(cacheKey),
    );
    this.lookups.set(cacheKey, lookup);
    return lookup;
  }

  private async lookup(
    presented: string,
    digest: Buffer,
    cacheKey: string,
    nowMs: number,
  ): Promise<Principal | null> {
    const id = KEY_FORMAT.exec(presented)?.[1] ?? BOOTSTRAP_KEY_ID;
    const generation = this.generation;
    const record = await this.keys.get(id);
    const stored = record && !record.revokedAt ? Buffer.from(record.hash, 'hex') : undefined;
    if (!record || !stored || stored.length !== digest.length || !timingSafeEqual(stored, digest)) {
      // A background read that finds the key revoked (or gone) ends its cached entry now.
      this.cache.delete(cacheKey);
      return null;
    }

    const principal = principalOf(id, record);
    if (generation === this.generation) this.remember(cacheKey, principal, nowMs);
    return principal;
  }

  private remember(cacheKey: string, principal: Principal, nowMs: number): void {
    if (this.options.cacheSeconds <= 0) return;
    if (this.cache.size > 10_000) this.cache.clear();
    const ttlMs = this.options.cacheSeconds * 1000;
    this.cache.set(cacheKey, { principal, expiresMs: nowMs + ttlMs, refreshMs: nowMs + ttlMs / 2 });
  }
}

function principalOf(id: string, record: ApiKeyRecord): Principal {
  return {
    kind: 'api_key',
    subject: id,
    scopes: new Set(record.scopes),
    rateLimitPerMinute: record.rateLimitPerMinute,
  };
}

function toMetadata(id: string, record: ApiKeyRecord): ApiKeyMetadata {
  const { hash: _hash, ...rest } = record;
  return { id, ...rest };
}
