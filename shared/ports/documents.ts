/** Documents port: typed collections of JSON documents (predictions, feedback, keys, registry, drift reports). */

/** A value a filter can compare against. Dates compare chronologically in every adapter. */
export type FieldValue = string | number | boolean | Date | null;

export type FilterOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in';

/** Filters apply to top-level fields only; this keeps both adapters index-friendly. */
export interface Filter {
  field: string;
  op: FilterOp;
  /** For `in`, an array of at most 30 values (Firestore's limit). */
  value: FieldValue | FieldValue[];
}

export interface Query {
  where?: Filter[];
  orderBy?: { field: string; direction?: 'asc' | 'desc' };
  /** At most 1000. */
  limit?: number;
}

/**
 * A stored document. `data` holds plain JSON values plus `Date` objects at top level;
 * `expiresAt` (optional, top level) marks retention: an adapter never returns an expired document
 * from `get`, and `purgeExpired` deletes them (Firestore also deletes them by TTL policy).
 */
export interface StoredDocument<T> {
  id: string;
  data: T;
}

export interface Collection<T extends object> {
  get(id: string): Promise<T | null>;
  /** Creates or replaces. */
  set(id: string, data: T): Promise<void>;
  /** Creates only if absent; returns false (and writes nothing) when the id already exists. */
  create(id: string, data: T): Promise<boolean>;
  /** Merges top-level fields into an existing document; returns false when it does not exist. */
  update(id: string, patch: Partial<T>): Promise<boolean>;
  /** Returns false when there was nothing to delete. */
  delete(id: string): Promise<boolean>;
  query(query?: Query): Promise<StoredDocument<T>[]>;
  count(where?: Filter[]): Promise<number>;
  /** Deletes documents whose `expiresAt` is at or before `now`; returns how many. */
  purgeExpired(now: Date): Promise<number>;
}

export interface DocumentStore {
  readonly kind: 'firestore' | 'embedded';
  collection<T extends object>(name: string): Collection<T>;
  /** Cheap round trip used by readiness probes. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const MAX_QUERY_LIMIT = 1000;
export const MAX_IN_VALUES = 30;

const COLLECTION_NAME = /^[a-z][a-zA-Z0-9_-]{0,62}$/;
const DOCUMENT_ID = /^[A-Za-z0-9_.:@=+-]{1,256}$/;
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export class DocumentStoreError extends Error {
  override name = 'DocumentStoreError';
}

export function assertCollectionName(name: string): void {
  if (!COLLECTION_NAME.test(name)) throw new DocumentStoreError(`invalid collection name "${name}"`);
}

/** Ids are restricted so they are safe as Firestore ids and SQL keys (no '/', no '..' alone). */
export function assertDocumentId(id: string): void {
  if (!DOCUMENT_ID.test(id) || id === '.' || id === '..' || /^__.*__$/.test(id)) {
    throw new DocumentStoreError('invalid document id');
  }
}

export function assertQuery(query: Query): void {
  for (const f of query.where ?? []) {
    if (!FIELD_NAME.test(f.field)) throw new DocumentStoreError(`invalid field name "${f.field}"`);
    if (f.op === 'in') {
      if (!Array.isArray(f.value) || f.value.length === 0 || f.value.length > MAX_IN_VALUES) {
        throw new DocumentStoreError(`"in" needs 1..${MAX_IN_VALUES} values`);
      }
    } else if (Array.isArray(f.value)) {
      throw new DocumentStoreError(`"${f.op}" takes a single value`);
    }
  }
  if (query.orderBy && !FIELD_NAME.test(query.orderBy.field)) {
    throw new DocumentStoreError(`invalid field name "${query.orderBy.field}"`);
  }
  if (
    query.limit !== undefined &&
    (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_QUERY_LIMIT)
  ) {
    throw new DocumentStoreError(`limit must be an integer in 1..${MAX_QUERY_LIMIT}`);
  }
}

const RANGE_OPS = new Set<FilterOp>(['<', '<=', '>', '>=']);

/** Values both adapters refuse alike (Firestore would throw its own error, or NaN would match). */
export function assertFilterValue(filter: Filter, value: FieldValue): void {
  // Firestore rejects ranges on null, and its `in` never matches a null (emulator-verified); say so.
  if (value === null && (RANGE_OPS.has(filter.op) || filter.op === 'in')) {
    throw new DocumentStoreError(`"${filter.op}" cannot take null; use == null`);
  }
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new DocumentStoreError('filter numbers must be finite');
  }
  if (value instanceof Date) assertValidDate(value);
}

/** Firestore's Timestamp range; it also keeps `toISOString()` at its fixed-width, order-preserving form. */
export function assertValidDate(date: Date): void {
  const year = date instanceof Date ? date.getUTCFullYear() : Number.NaN;
  if (!(year >= 1 && year <= 9999)) throw new DocumentStoreError('invalid Date (years 1..9999 only)');
}
