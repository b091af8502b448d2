/**
 * Embedded Documents adapter for local mode, on PGlite (Postgres compiled to WASM).
 *
 * Why PGlite: it needs no native build (better-sqlite3 compiles from source for 60–100 s on every fresh
 * install here), it gives real Postgres semantics (jsonb with typed comparisons, byte-order "C" collation,
 * atomic `INSERT … ON CONFLICT`), and it persists to a plain directory or runs in memory for tests.
 * Cost, measured here (2 vCPU): opening takes 0.25–0.45 s on an existing data dir and 2.3–3.7 s in memory
 * or on a fresh dir (WASM start plus initdb; up to ~8 s under heavy load), paid once per process. A fresh
 * data dir is ~39 MB; the servers seed one from a template the build makes (template.ts), skipping initdb.
 *
 * Storage: one table. `data` holds the document as jsonb with Dates written as ISO-8601 strings
 * (`toISOString()` is fixed-width, so they order correctly as strings); `date_fields` remembers which
 * top-level fields were Dates so they are revived on read and compared only with Dates, and
 * `expires_at` mirrors a top-level `expiresAt` Date for retention.
 */
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import v8 from 'node:v8';
import { PGlite, type Results } from '@electric-sql/pglite';
import {
  assertCollectionName,
  assertDocumentId,
  assertFilterValue,
  assertQuery,
  assertValidDate,
  type Collection,
  type DocumentStore,
  DocumentStoreError,
  type FieldValue,
  type Filter,
  type Query,
  type StoredDocument,
} from '../../ports/documents.js';
import { seedDataDir, stampTemplate, templateDataDir, templateUsable } from './template.js';

export interface EmbeddedDocumentStoreOptions {
  /** Directory for the database files; undefined keeps everything in memory. */
  dataDir?: string;
  clock?: () => Date;
  /**
   * A template made by `EmbeddedDocumentStore.makeTemplate`: a new, empty `dataDir` starts as a copy
   * of it instead of running initdb (template.ts). Ignored when missing or made by another PGlite.
   */
  templateDir?: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS documents (
  collection  text        NOT NULL,
  id          text        NOT NULL,
  data        jsonb       NOT NULL,
  date_fields text[]      NOT NULL DEFAULT '{}',
  expires_at  timestamptz,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL,
  PRIMARY KEY (collection, id)
);
CREATE INDEX IF NOT EXISTS documents_expires_at ON documents (collection, expires_at)
  WHERE expires_at IS NOT NULL;
`;

export class EmbeddedDocumentStore implements DocumentStore {
  readonly kind = 'embedded' as const;

  readonly #writes: GroupCommit;

  private constructor(
    private readonly db: PGlite,
    private readonly clock: () => Date,
  ) {
    this.#writes = new GroupCommit(db);
  }

  static async open(options: EmbeddedDocumentStoreOptions = {}): Promise<EmbeddedDocumentStore> {
    const { dataDir } = options;
    if (dataDir !== undefined) await createDataDir(dataDir, options.templateDir);
    const db = await openDatabase(dataDir);
    try {
      await db.exec(SCHEMA);
    } catch (error) {
      await db.close();
      throw error;
    }
    return new EmbeddedDocumentStore(db, options.clock ?? (() => new Date()));
  }

  /**
   * Makes a template at `templateDir` (an initialised database with the schema, no documents) unless
   * a usable one is there; returns whether it made one. Built beside it, then renamed into place.
   * It must hold no documents: `ThreadedDocumentStore` answers reads of a new data dir as empty, and
   * its thread refuses a data dir seeded with any.
   */
  static async makeTemplate(templateDir: string): Promise<boolean> {
    if (templateUsable(templateDir)) return false;
    const building = `${templateDir}.tmp-${process.pid}`;
    await rm(building, { recursive: true, force: true });
    await mkdir(building, { recursive: true });
    await initialise(templateDataDir(building), { onlyServedDatabase: true });
    stampTemplate(building);
    await rm(templateDir, { recursive: true, force: true });
    await rename(building, templateDir);
    return true;
  }

  collection<T extends object>(name: string): Collection<T> {
    assertCollectionName(name);
    return new EmbeddedCollection<T>(this.db, name, this.clock, this.#writes);
  }

  async ping(): Promise<void> {
    await this.db.query('SELECT 1');
  }

  /** True when no collection holds a document, expired ones included. */
  async holdsNoDocuments(): Promise<boolean> {
    const result = await this.db.query<{ empty: boolean }>(
      'SELECT NOT EXISTS (SELECT 1 FROM documents) AS empty',
    );
    return result.rows[0]?.empty === true;
  }

  async close(): Promise<void> {
    await this.#writes.drain();
    if (!this.db.closed) await this.db.close();
  }
}

/**
 * Makes sure `dataDir` holds a complete database. A missing or empty one is created beside it
 * (`<dataDir>.init`) — copied from the template when there is a usable one, else by initdb — and
 * renamed into place only once complete: a process killed during its first start (~0.2 s with the
 * template, ~2 s of initdb without) leaves no half-made data dir that every later start would fail on.
 */
async function createDataDir(dataDir: string, templateDir: string | undefined): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  if ((await readdir(dataDir)).length > 0) return;
  // One fixed name, so an interrupted start leaves at most one staging copy, which the next removes.
  const staging = `${dataDir}.init`;
  await rm(staging, { recursive: true, force: true });
  if (templateDir === undefined || !seedDataDir(staging, templateDir)) await initialise(staging);
  try {
    // Linux's rename(2) replaces an empty directory: dataDir appears complete or not at all.
    await rename(staging, dataDir);
  } catch {
    // dataDir is a mount point, or on another filesystem than its parent: create it in place.
    await rm(staging, { recursive: true, force: true });
    if (templateDir === undefined || !seedDataDir(dataDir, templateDir)) await initialise(dataDir);
  }
}

/**
 * initdb plus the schema in `dir`, then closed. `onlyServedDatabase` (the template, see template.ts)
 * also drops `template0` and `template1`, so that a copy of it has a third of the files.
 */
async function initialise(dir: string, options: { onlyServedDatabase?: boolean } = {}): Promise<void> {
  await mkdir(dir, { recursive: true });
  const db = await openDatabase(dir);
  try {
    await db.exec(SCHEMA);
    if (options.onlyServedDatabase) {
      for (const name of ['template0', 'template1']) {
        await db.exec(`ALTER DATABASE ${name} IS_TEMPLATE false`);
        await db.exec(`DROP DATABASE ${name}`);
      }
      await db.exec('CHECKPOINT');
    }
  } finally {
    await db.close();
  }
}

async function openDatabase(dataDir: string | undefined): Promise<PGlite> {
  baselineWasmOnly();
  try {
    return await PGlite.create({ ...(dataDir === undefined ? {} : { dataDir }), ...startParams() });
  } catch (error) {
    if (dataDir === undefined) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new DocumentStoreError(
      `the embedded database in ${dataDir} could not be opened (${reason}); if it is a local data dir ` +
        'you can rebuild, delete it and start again',
    );
  }
}

/**
 * Compiles PGlite's 9 MB of WASM with V8's baseline compiler (Liftoff) only. With the optimising tier
 * on, the thread that opened the database stalls 100–200 ms after the open while that tier finishes
 * (no JS, no I/O, not even a timer runs), and the open costs ~0.3 s more CPU; measured per-row write
 * cost was the same either way (BENCHMARKS.md, session 6). The flag is process-wide, and PGlite is
 * the only WASM vigil runs; it must be set before the module compiles, so it is set here.
 */
function baselineWasmOnly(): void {
  v8.setFlagsFromString('--liftoff-only');
}

/**
 * PGlite runs Postgres as one single-user backend, yet starts it with the server defaults of 128 MB of
 * shared buffers and 100 connections, all set up in WASM memory on every open. 16 MB (2,048 pages)
 * holds the pages that writes and recent reads touch; the rest comes from the OS page cache. Measured
 * on an existing data dir: open 400–450 → 310–330 ms, 0.71–0.81 → 0.56–0.66 s of CPU (BENCHMARKS.md).
 * PGlite's own parameters are kept; if a release stops exposing them, its defaults are used unchanged.
 */
function startParams(): { startParams?: string[] } {
  const defaults = (PGlite as unknown as { defaultStartParams?: unknown }).defaultStartParams;
  if (!Array.isArray(defaults) || !defaults.every((p) => typeof p === 'string')) return {};
  return { startParams: [...defaults, '-c', 'shared_buffers=16MB', '-c', 'max_connections=10'] };
}

interface Row {
  id: string;
  data: Record<string, unknown>;
  date_fields: string[];
}

/** A document ready for the table: JSON text plus the side columns derived from top-level fields. */
interface EncodedDocument {
  json: string;
  /** Top-level fields that are present (not undefined). */
  fields: string[];
  dateFields: string[];
  expiresAt: Date | null;
}

/** A live document has no expiry or one strictly after now; `purgeExpired` deletes `<= now`. */
const LIVE = '(expires_at IS NULL OR expires_at > $3::timestamptz)';

class EmbeddedCollection<T extends object> implements Collection<T> {
  constructor(
    private readonly db: PGlite,
    private readonly name: string,
    private readonly clock: () => Date,
    private readonly writes: GroupCommit,
  ) {}

  async get(id: string): Promise<T | null> {
    assertDocumentId(id);
    const result = await this.run<Row>(
      `SELECT id, data, date_fields FROM documents WHERE collection = $1 AND id = $2 AND ${LIVE}`,
      [this.name, id, this.clock()],
    );
    const row = result.rows[0];
    return row ? (revive(row) as T) : null;
  }

  /** Joins the store's group commit: concurrent sets share one statement and one commit. */
  async set(id: string, data: T): Promise<void> {
    assertDocumentId(id);
    const doc = encodeDocument(data);
    await this.writes.set([this.name, id, doc.json, doc.dateFields, doc.expiresAt, this.clock()]);
  }

  /** Atomic: a live row wins; an expired row counts as absent and is replaced in the same statement. */
  async create(id: string, data: T): Promise<boolean> {
    assertDocumentId(id);
    const doc = encodeDocument(data);
    const result = await this.run(
      `INSERT INTO documents (collection, id, data, date_fields, expires_at, created_at, updated_at)
       VALUES ($1, $2, $4::jsonb, $5::text[], $6::timestamptz, $3::timestamptz, $3::timestamptz)
       ON CONFLICT (collection, id) DO UPDATE SET data = EXCLUDED.data, date_fields = EXCLUDED.date_fields,
         expires_at = EXCLUDED.expires_at, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at
       WHERE NOT (documents.expires_at IS NULL OR documents.expires_at > $3::timestamptz)
       RETURNING id`,
      [this.name, id, this.clock(), doc.json, doc.dateFields, doc.expiresAt],
    );
    return result.rows.length === 1;
  }

  /** One statement: jsonb `||` merges top-level keys; date_fields and expires_at follow the patch. */
  async update(id: string, patch: Partial<T>): Promise<boolean> {
    assertDocumentId(id);
    const doc = encodeDocument(patch);
    const result = await this.run(
      `UPDATE documents SET data = data || $4::jsonb,
         date_fields = ARRAY(SELECT f FROM unnest(date_fields) AS f WHERE f <> ALL($5::text[])) || $6::text[],
         expires_at = CASE WHEN $7::boolean THEN $8::timestamptz ELSE expires_at END,
         updated_at = $3::timestamptz
       WHERE collection = $1 AND id = $2 AND ${LIVE}
       RETURNING id`,
      [
        this.name,
        id,
        this.clock(),
        doc.json,
        doc.fields,
        doc.dateFields,
        doc.fields.includes('expiresAt'),
        doc.expiresAt,
      ],
    );
    return result.rows.length === 1;
  }

  /** Deletes the row either way, but reports false for an expired one, which was already invisible. */
  async delete(id: string): Promise<boolean> {
    assertDocumentId(id);
    const result = await this.run<{ live: boolean }>(
      `DELETE FROM documents WHERE collection = $1 AND id = $2 RETURNING ${LIVE} AS live`,
      [this.name, id, this.clock()],
    );
    return result.rows[0]?.live === true;
  }

  async query(query: Query = {}): Promise<StoredDocument<T>[]> {
    assertQuery(query);
    const sql = new SqlBuilder([this.name]);
    let where = whereClause(sql, query.where ?? [], this.clock());
    // Firestore leaves out documents lacking the orderBy field; so do we.
    if (query.orderBy) where += ` AND data ? ${sql.field(query.orderBy.field)}`;
    const order = orderClause(sql, query);
    const limit = query.limit === undefined ? '' : ` LIMIT ${sql.param(query.limit)}`;
    const result = await this.run<Row>(
      `SELECT id, data, date_fields FROM documents WHERE ${where} ORDER BY ${order}${limit}`,
      sql.params,
    );
    return result.rows.map((row) => ({ id: row.id, data: revive(row) as T }));
  }

  async count(where: Filter[] = []): Promise<number> {
    assertQuery({ where });
    const sql = new SqlBuilder([this.name]);
    const clause = whereClause(sql, where, this.clock());
    const result = await this.run<{ n: number }>(
      `SELECT count(*)::int AS n FROM documents WHERE ${clause}`,
      sql.params,
    );
    return result.rows[0]?.n ?? 0;
  }

  async purgeExpired(now: Date): Promise<number> {
    assertValidDate(now);
    const result = await this.run(
      'DELETE FROM documents WHERE collection = $1 AND expires_at <= $2::timestamptz',
      [this.name, now],
    );
    return result.affectedRows ?? 0;
  }

  /** Runs one statement, turning Postgres' refusals of unstorable text into the port's error. */
  private async run<R>(sql: string, params: unknown[]): Promise<Results<R>> {
    // Sets still waiting for their group commit go first, so operations keep their call order.
    await this.writes.drain();
    try {
      return await this.db.query<R>(sql, params);
    } catch (error) {
      throw translateError(error);
    }
  }
}

type SetRow = [
  collection: string,
  id: string,
  json: string,
  dateFields: string[],
  expiresAt: Date | null,
  now: Date,
];

/**
 * One statement for the whole group, with one parameter: a JSON array of rows that Postgres unpacks
 * (`jsonb_to_recordset`). Each document's JSON is spliced in as is, parsed once as part of the array.
 * Measured against one placeholder per value (7 per row, BENCHMARKS.md): 49 vs 71 µs of CPU per row.
 */
const UPSERT = `INSERT INTO documents (collection, id, data, date_fields, expires_at, created_at, updated_at)
  SELECT r.c, r.i, r.d, r.f, r.e, r.n, r.n
  FROM jsonb_to_recordset($1::jsonb) AS r(c text, i text, d jsonb, f text[], e timestamptz, n timestamptz)
  ON CONFLICT (collection, id) DO UPDATE SET data = EXCLUDED.data, date_fields = EXCLUDED.date_fields,
    expires_at = EXCLUDED.expires_at, updated_at = EXCLUDED.updated_at`;
const MAX_GROUP = 500;
/** A group this large commits without waiting out the gathering window. */
const FULL_GROUP = 128;
/** While writes stream in, a group waits up to this long for company before it commits. */
const GATHER_MS = 10;

interface PendingSet {
  row: SetRow;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for `set`: concurrent writes go into one upsert. Each caller's promise settles when its
 * own row is committed, so nothing is acknowledged before it is stored.
 *
 * Every statement costs ~0.6 ms of WASM Postgres on top of ~50 µs per row, so group size decides the
 * store's CPU under load (BENCHMARKS.md): committing whatever arrived during the previous commit gave
 * groups of ~10 at 5,000 writes/s and ~130 µs per row. So while writes stream in (the last commit ended
 * under GATHER_MS ago), a group waits up to GATHER_MS, or until FULL_GROUP rows, before it commits. A
 * write after a quiet spell commits on the next turn, and a read (or close) cuts any wait short.
 */
class GroupCommit {
  #pending: PendingSet[] = [];
  #running: Promise<void> | null = null;
  #lastCommitEnd = Number.NEGATIVE_INFINITY;
  #draining = 0;
  /** Ends the current gathering wait early; set only while one is under way. */
  #stopWaiting: (() => void) | null = null;

  constructor(private readonly db: PGlite) {}

  set(row: SetRow): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ row, resolve, reject });
      if (!this.#running) this.#running = this.#loop();
      else if (this.#pending.length >= FULL_GROUP) this.#stopWaiting?.();
    });
  }

  /** Resolves once every set issued so far has settled; commits them without waiting for company. */
  async drain(): Promise<void> {
    this.#draining++;
    try {
      this.#stopWaiting?.();
      while (this.#running) await this.#running;
    } finally {
      this.#draining--;
    }
  }

  async #loop(): Promise<void> {
    do {
      await this.#gather();
      await this.#commitGroup(this.#pending.splice(0, MAX_GROUP));
      this.#lastCommitEnd = performance.now();
    } while (this.#pending.length > 0);
    this.#running = null;
  }

  /** Waits for the next turn, or — while writes stream in — for the window or a full group. */
  #gather(): Promise<void> {
    const streaming = performance.now() - this.#lastCommitEnd < GATHER_MS;
    if (!streaming || this.#draining > 0 || this.#pending.length >= FULL_GROUP) {
      return new Promise((resolve) => setImmediate(resolve));
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#stopWaiting = null;
        resolve();
      };
      const timer = setTimeout(done, GATHER_MS);
      this.#stopWaiting = done;
    });
  }

  async #commitGroup(group: PendingSet[]): Promise<void> {
    try {
      await this.#commit(group.map((g) => g.row));
      for (const g of group) g.resolve();
    } catch {
      // One bad row must not fail its neighbours: retry them one by one for per-caller errors.
      for (const g of group) {
        try {
          await this.#commit([g.row]);
          g.resolve();
        } catch (error) {
          g.reject(translateError(error));
        }
      }
    }
  }

  async #commit(rows: SetRow[]): Promise<void> {
    // A later set of the same document wins, as it would have run later.
    const latest = new Map(rows.map((row) => [`${row[0]}\u0000${row[1]}`, row]));
    const records: string[] = [];
    for (const [collection, id, json, dateFields, expiresAt, now] of latest.values()) {
      const expires = expiresAt === null ? 'null' : `"${expiresAt.toISOString()}"`;
      records.push(
        `{"c":${JSON.stringify(collection)},"i":${JSON.stringify(id)},"d":${json},` +
          `"f":${JSON.stringify(dateFields)},"e":${expires},"n":"${now.toISOString()}"}`,
      );
    }
    await this.db.query(UPSERT, [`[${records.join(',')}]`]);
  }
}

/** Collects positional parameters so values (and field names) never become SQL text. */
class SqlBuilder {
  readonly params: unknown[];
  private readonly fields = new Map<string, string>();

  constructor(initial: unknown[]) {
    this.params = [...initial];
  }

  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  /** One text parameter per distinct field name, reused by every expression on that field. */
  field(name: string): string {
    let placeholder = this.fields.get(name);
    if (placeholder === undefined) {
      placeholder = `${this.param(name)}::text`;
      this.fields.set(name, placeholder);
    }
    return placeholder;
  }
}

/** Value kinds as Firestore sees them; a filter only matches fields of its own kind. */
type Kind = 'null' | 'boolean' | 'number' | 'date' | 'string';

function kindOf(value: FieldValue): Kind {
  if (value === null) return 'null';
  if (value instanceof Date) return 'date';
  return typeof value as 'boolean' | 'number' | 'string';
}

function whereClause(sql: SqlBuilder, filters: Filter[], now: Date): string {
  const parts = [`collection = $1`, `(expires_at IS NULL OR expires_at > ${sql.param(now)}::timestamptz)`];
  for (const filter of filters) parts.push(filterSql(sql, filter));
  return parts.join(' AND ');
}

function filterSql(sql: SqlBuilder, filter: Filter): string {
  const values = Array.isArray(filter.value) ? filter.value : [filter.value];
  for (const value of values) assertFilterValue(filter, value);
  const f = sql.field(filter.field);
  if (filter.op === 'in') return `(${values.map((v) => comparison(sql, f, '=', v)).join(' OR ')})`;
  if (filter.op === '!=') {
    // Firestore's `!=` matches only documents where the field exists and is not null.
    const differs =
      filter.value === null ? 'TRUE' : `NOT ${comparison(sql, f, '=', filter.value as FieldValue)}`;
    return `(data ? ${f} AND jsonb_typeof(data -> ${f}) <> 'null' AND ${differs})`;
  }
  return comparison(sql, f, filter.op === '==' ? '=' : filter.op, filter.value as FieldValue);
}

/** `field <op> value`, true only when the stored field has the same kind as the value. */
function comparison(sql: SqlBuilder, f: string, op: string, value: FieldValue): string {
  const kind = kindOf(value);
  const isDate = `${f} = ANY(date_fields)`;
  switch (kind) {
    case 'null':
      return `(jsonb_typeof(data -> ${f}) = 'null')`;
    case 'date':
      return `(${isDate} AND (data ->> ${f}) COLLATE "C" ${op} ${sql.param((value as Date).toISOString())}::text)`;
    case 'string':
      return `(jsonb_typeof(data -> ${f}) = 'string' AND NOT ${isDate} AND (data ->> ${f}) COLLATE "C" ${op} ${sql.param(value)}::text)`;
    default:
      return `(jsonb_typeof(data -> ${f}) = '${kind}' AND (data -> ${f}) ${op} ${sql.param(JSON.stringify(value))}::jsonb)`;
  }
}

/**
 * Mirrors Firestore's ordering so `limit` selects the same documents in both adapters: the explicit
 * orderBy, then (implicitly) every inequality-filtered field by name, then the id, all in the direction
 * of the explicit order. Within a field, kinds sort null < boolean < number < date < string < array < map.
 */
function orderClause(sql: SqlBuilder, query: Query): string {
  const direction = query.orderBy?.direction === 'desc' ? 'DESC' : 'ASC';
  const fields = query.orderBy ? [query.orderBy.field] : [];
  const inequalities = (query.where ?? []).filter((w) => w.op !== '==' && w.op !== 'in').map((w) => w.field);
  for (const field of [...new Set(inequalities)].sort()) if (!fields.includes(field)) fields.push(field);
  const keys = fields.flatMap((field) => orderKeys(sql.field(field)).map((key) => `${key} ${direction}`));
  return [...keys, `id COLLATE "C" ${direction}`].join(', ');
}

function orderKeys(f: string): string[] {
  const type = `jsonb_typeof(data -> ${f})`;
  const rank = `CASE ${type} WHEN 'null' THEN 0 WHEN 'boolean' THEN 1 WHEN 'number' THEN 2
    WHEN 'string' THEN CASE WHEN ${f} = ANY(date_fields) THEN 3 ELSE 4 END WHEN 'array' THEN 5 ELSE 6 END`;
  return [
    `(${rank})`,
    `(CASE WHEN ${type} IN ('boolean', 'number') THEN data -> ${f} END)`,
    `(CASE WHEN ${type} = 'string' THEN data ->> ${f} END) COLLATE "C"`,
    `(data -> ${f})`,
  ];
}

/**
 * Postgres text and jsonb cannot hold U+0000 (22P05 in jsonb, 22021 in a text parameter) or lone UTF-16
 * surrogates (22P02 on the jsonb cast);
 * Firestore would accept the first. Callers get a DocumentStoreError instead of a driver error.
 */
function translateError(error: unknown): unknown {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (code === '22P05' || code === '22021' || code === '22P02') {
    return new DocumentStoreError('embedded store cannot hold this text (U+0000 or an unpaired surrogate)');
  }
  return error;
}

/** Top-level undefined fields are dropped (JSON.stringify does the same for nested ones). */
function encodeDocument(data: object): EncodedDocument {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new DocumentStoreError('a document must be a plain object');
  }
  const fields: string[] = [];
  const dateFields: string[] = [];
  let expiresAt: Date | null = null;
  for (const [key, value] of Object.entries(data)) {
    if (value !== undefined) fields.push(key);
    if (!(value instanceof Date)) continue;
    assertValidDate(value);
    dateFields.push(key);
    if (key === 'expiresAt') expiresAt = value;
  }
  return { json: JSON.stringify(data), fields, dateFields, expiresAt };
}

function revive(row: Row): Record<string, unknown> {
  const data = row.data;
  for (const field of row.date_fields) {
    const value = data[field];
    if (typeof value === 'string') data[field] = new Date(value);
  }
  return data;
}
