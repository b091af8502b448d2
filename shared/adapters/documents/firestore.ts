/**
 * Firestore Documents adapter for production. Collections map to root collections (optionally prefixed
 * for test isolation or tenancy); `expiresAt` is the field the TTL policy should be configured on.
 *
 * Retention: Firestore's TTL policy deletes expired documents only eventually (typically within 24 h), so
 * this adapter hides them itself: `get`/`update`/`delete` check `expiresAt` against the clock, `query`
 * skips them client-side (fetching further pages so `limit` is still honoured), and `count` subtracts a
 * second count of the matching expired documents. That second count adds `expiresAt` as a range field,
 * so every filtered count shape needs a composite index ending in `expiresAt`.
 */
import {
  type CollectionReference,
  type DocumentData,
  type DocumentReference,
  FieldPath,
  type Firestore,
  type Query as FirestoreQuery,
  type QueryDocumentSnapshot,
  Timestamp,
} from '@google-cloud/firestore';
import {
  assertCollectionName,
  assertDocumentId,
  assertFilterValue,
  assertQuery,
  assertValidDate,
  type Collection,
  type DocumentStore,
  DocumentStoreError,
  type Filter,
  type Query,
  type StoredDocument,
} from '../../ports/documents.js';

export interface FirestoreDocumentStoreOptions {
  /** The store owns this client: `close()` terminates it. */
  firestore: Firestore;
  /** Prepended to every collection name, e.g. `test_abc_`. */
  collectionPrefix?: string;
  clock?: () => Date;
}

const ALREADY_EXISTS = 6;
/** Firestore's maximum number of writes in one batch. */
const PURGE_BATCH = 500;
const PREFIX = /^[A-Za-z0-9_-]{0,64}$/;

export class FirestoreDocumentStore implements DocumentStore {
  readonly kind = 'firestore' as const;
  private readonly firestore: Firestore;
  private readonly prefix: string;
  private readonly clock: () => Date;

  constructor(options: FirestoreDocumentStoreOptions) {
    const prefix = options.collectionPrefix ?? '';
    if (!PREFIX.test(prefix)) throw new DocumentStoreError(`invalid collection prefix "${prefix}"`);
    this.firestore = options.firestore;
    this.prefix = prefix;
    this.clock = options.clock ?? (() => new Date());
  }

  collection<T extends object>(name: string): Collection<T> {
    assertCollectionName(name);
    return new FirestoreCollection<T>(
      this.firestore,
      this.firestore.collection(this.prefix + name),
      this.clock,
    );
  }

  /** One single-document read of an id that is never written: cheap and needs no index. */
  async ping(): Promise<void> {
    await this.firestore.collection(`${this.prefix}health`).doc('ping').get();
  }

  async close(): Promise<void> {
    await this.firestore.terminate();
  }
}

class FirestoreCollection<T extends object> implements Collection<T> {
  constructor(
    private readonly firestore: Firestore,
    private readonly ref: CollectionReference,
    private readonly clock: () => Date,
  ) {}

  async get(id: string): Promise<T | null> {
    const snapshot = await this.doc(id).get();
    const data = snapshot.data();
    if (data === undefined || isExpired(data, this.clock())) return null;
    return decode(data) as T;
  }

  async set(id: string, data: T): Promise<void> {
    await this.doc(id).set(encodeDocument(data));
  }

  /** `create()` is atomic; only on a conflict do we look whether the holder has expired (then replace it). */
  async create(id: string, data: T): Promise<boolean> {
    const ref = this.doc(id);
    const encoded = encodeDocument(data);
    try {
      await ref.create(encoded);
      return true;
    } catch (error) {
      if (grpcCode(error) !== ALREADY_EXISTS) throw error;
    }
    return this.firestore.runTransaction(async (tx) => {
      const current = (await tx.get(ref)).data();
      if (current !== undefined && !isExpired(current, this.clock())) return false;
      tx.set(ref, encoded);
      return true;
    });
  }

  /**
   * A transaction rather than a bare `update()`, so an expired document (already invisible to `get`)
   * is reported as missing instead of being silently modified. Field paths are built with `FieldPath`
   * so a key containing '.' stays one top-level field.
   */
  async update(id: string, patch: Partial<T>): Promise<boolean> {
    const ref = this.doc(id);
    const pairs = Object.entries(encodeDocument(patch)).flatMap(([key, value]) => [
      new FieldPath(key),
      value,
    ]);
    return this.firestore.runTransaction(async (tx) => {
      const current = (await tx.get(ref)).data();
      if (current === undefined || isExpired(current, this.clock())) return false;
      const [field, value, ...rest] = pairs;
      if (field !== undefined) tx.update(ref, field as FieldPath, value, ...rest);
      return true;
    });
  }

  /** Deletes the document either way, but reports false for an expired one, as the embedded adapter does. */
  async delete(id: string): Promise<boolean> {
    const ref = this.doc(id);
    return this.firestore.runTransaction(async (tx) => {
      const current = (await tx.get(ref)).data();
      if (current === undefined) return false;
      tx.delete(ref);
      return !isExpired(current, this.clock());
    });
  }

  async query(query: Query = {}): Promise<StoredDocument<T>[]> {
    assertQuery(query);
    let base = applyFilters(this.ref, query.where ?? []);
    if (query.orderBy) base = base.orderBy(query.orderBy.field, query.orderBy.direction ?? 'asc');
    const now = this.clock();
    const wanted = query.limit;
    const found: StoredDocument<T>[] = [];
    let cursor: QueryDocumentSnapshot | undefined;
    // Expired documents are dropped after fetching; keep paging until `limit` live ones are found.
    for (;;) {
      const remaining = wanted === undefined ? undefined : wanted - found.length;
      let page = cursor ? base.startAfter(cursor) : base;
      if (remaining !== undefined) page = page.limit(remaining);
      const snapshot = await page.get();
      for (const doc of snapshot.docs) {
        const data = doc.data();
        if (!isExpired(data, now)) found.push({ id: doc.id, data: decode(data) as T });
      }
      const exhausted = remaining === undefined || snapshot.size < remaining;
      if (exhausted || found.length === wanted) break;
      cursor = snapshot.docs.at(-1);
    }
    return found;
  }

  /** Two aggregation queries in parallel: all matches minus the expired matches. */
  async count(where: Filter[] = []): Promise<number> {
    assertQuery({ where });
    const matching = applyFilters(this.ref, where);
    const expired = matching.where('expiresAt', '<=', Timestamp.fromDate(this.clock()));
    const [all, stale] = await Promise.all([matching.count().get(), expired.count().get()]);
    return Math.max(0, all.data().count - stale.data().count);
  }

  /** Pages through `expiresAt <= now` (single-field index) and deletes each page in one batch. */
  async purgeExpired(now: Date): Promise<number> {
    assertValidDate(now);
    const expired = this.ref.where('expiresAt', '<=', Timestamp.fromDate(now)).select().limit(PURGE_BATCH);
    let deleted = 0;
    for (;;) {
      const snapshot = await expired.get();
      if (snapshot.empty) return deleted;
      const batch = this.firestore.batch();
      for (const doc of snapshot.docs) batch.delete(doc.ref);
      await batch.commit();
      deleted += snapshot.size;
      if (snapshot.size < PURGE_BATCH) return deleted;
    }
  }

  private doc(id: string): DocumentReference {
    assertDocumentId(id);
    return this.ref.doc(id);
  }
}

function applyFilters(ref: CollectionReference, filters: Filter[]): FirestoreQuery {
  let query: FirestoreQuery = ref;
  for (const filter of filters) {
    const values = Array.isArray(filter.value) ? filter.value : [filter.value];
    for (const value of values) assertFilterValue(filter, value);
    query = query.where(filter.field, filter.op, filter.value);
  }
  return query;
}

function isExpired(data: DocumentData, now: Date): boolean {
  const expiresAt = data.expiresAt;
  return expiresAt instanceof Timestamp && expiresAt.toMillis() <= now.getTime();
}

function grpcCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

/** Top-level fields only are checked here; nested values are cleaned by `clean`. */
function encodeDocument(data: object): DocumentData {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new DocumentStoreError('a document must be a plain object');
  }
  for (const value of Object.values(data)) if (value instanceof Date) assertValidDate(value);
  return clean(data) as DocumentData;
}

/**
 * Makes a value JSON-shaped the way the embedded adapter stores it: undefined object properties are
 * dropped and undefined array items become null (Firestore rejects undefined unless
 * `ignoreUndefinedProperties` is set, and that setting does not cover arrays). Dates pass through.
 */
function clean(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : clean(item)));
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) if (item !== undefined) out[key] = clean(item);
  return out;
}

/** Firestore returns Timestamps wherever a Date was written; turn them back into Dates. */
function decode(value: unknown): unknown {
  if (value instanceof Timestamp) return value.toDate();
  if (Array.isArray(value)) return value.map(decode);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = decode(item);
  return out;
}
