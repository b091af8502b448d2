/** Documents port contract: one behavioural suite that every DocumentStore adapter must pass. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type Collection,
  type DocumentStore,
  DocumentStoreError,
  type FieldValue,
  type Filter,
  MAX_IN_VALUES,
  MAX_QUERY_LIMIT,
  type Query,
} from '../../shared/ports/documents.js';

export interface OpenedDocumentStore {
  store: DocumentStore;
  cleanup(): Promise<void>;
}

/** Fixed base time; the store's clock reads `now`, which tests move. */
const T0 = new Date('2030-01-15T12:00:00.000Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

interface Prediction {
  label: string;
  clientId: string;
  score: number;
  createdAt: Date;
  expiresAt?: Date;
}

const ids = (docs: { id: string }[]) => docs.map((d) => d.id);
const sortedIds = (docs: { id: string }[]) => ids(docs).sort();
const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** Ten predictions a minute apart, labels and clients interleaved, as the history endpoints see them. */
const PREDICTIONS: [string, Prediction][] = Array.from({ length: 10 }, (_, i) => [
  `p${String(i + 1).padStart(2, '0')}`,
  {
    label: ['toxic', 'spam', 'ok'][i % 3]!,
    clientId: i % 2 === 0 ? 'c1' : 'c2',
    score: (i + 1) / 10,
    createdAt: at(i + 1),
  },
]);

/** Fields of mixed kinds so each filter must compare only like with like, as Firestore does. */
const MIXED: Record<string, Record<string, unknown>> = {
  a: { s: 'apple', n: 1, d: at(1), b: true, opt: null },
  b: { s: 'banana', n: 2.5, d: at(2), b: false, opt: 'x' },
  c: { s: 'cherry', n: -3, d: at(3), b: true },
  d: { s: 'Date', n: 10, d: at(4), b: false, opt: 5 },
  e: { s: 7, n: '10', d: at(2).toISOString() },
};

const FILTER_CASES: [string, Filter[], string[]][] = [
  ['string ==', [{ field: 's', op: '==', value: 'apple' }], ['a']],
  [
    'string != (other kinds match, missing do not)',
    [{ field: 's', op: '!=', value: 'apple' }],
    ['b', 'c', 'd', 'e'],
  ],
  ['string < (byte order: uppercase first)', [{ field: 's', op: '<', value: 'banana' }], ['a', 'd']],
  ['string <=', [{ field: 's', op: '<=', value: 'banana' }], ['a', 'b', 'd']],
  ['string >', [{ field: 's', op: '>', value: 'banana' }], ['c']],
  ['string >=', [{ field: 's', op: '>=', value: 'banana' }], ['b', 'c']],
  ['string in', [{ field: 's', op: 'in', value: ['apple', 'cherry', 'zzz'] }], ['a', 'c']],
  ['number ==', [{ field: 'n', op: '==', value: 10 }], ['d']],
  ['number == does not match the string "10"', [{ field: 'n', op: '==', value: '10' }], ['e']],
  ['number !=', [{ field: 'n', op: '!=', value: 1 }], ['b', 'c', 'd', 'e']],
  ['number <', [{ field: 'n', op: '<', value: 2.5 }], ['a', 'c']],
  ['number <=', [{ field: 'n', op: '<=', value: 2.5 }], ['a', 'b', 'c']],
  ['number > (numerically, 10 > 2)', [{ field: 'n', op: '>', value: 2 }], ['b', 'd']],
  ['number >=', [{ field: 'n', op: '>=', value: 10 }], ['d']],
  ['number in', [{ field: 'n', op: 'in', value: [1, 10] }], ['a', 'd']],
  ['number range skips other kinds', [{ field: 's', op: '>', value: 0 }], ['e']],
  ['Date ==', [{ field: 'd', op: '==', value: at(2) }], ['b']],
  ['Date == does not match its ISO string', [{ field: 'd', op: '==', value: at(2).toISOString() }], ['e']],
  ['Date !=', [{ field: 'd', op: '!=', value: at(2) }], ['a', 'c', 'd', 'e']],
  ['Date <', [{ field: 'd', op: '<', value: at(3) }], ['a', 'b']],
  ['Date <=', [{ field: 'd', op: '<=', value: at(3) }], ['a', 'b', 'c']],
  ['Date >', [{ field: 'd', op: '>', value: at(2) }], ['c', 'd']],
  [
    'Date >= (millisecond precision)',
    [{ field: 'd', op: '>=', value: new Date(at(4).getTime() - 1) }],
    ['d'],
  ],
  ['Date in', [{ field: 'd', op: 'in', value: [at(1), at(4)] }], ['a', 'd']],
  ['boolean ==', [{ field: 'b', op: '==', value: true }], ['a', 'c']],
  ['== null', [{ field: 'opt', op: '==', value: null }], ['a']],
  ['!= null (present and not null)', [{ field: 'opt', op: '!=', value: null }], ['b', 'd']],
  [
    'several filters',
    [
      { field: 'n', op: '>', value: 0 },
      { field: 'b', op: '==', value: false },
    ],
    ['b', 'd'],
  ],
];

const BAD_COLLECTIONS = ['', 'Upper', 'a/b', '1abc', 'has space', `a${'b'.repeat(63)}`];
const BAD_IDS = ['', 'a/b', '.', '..', '__x__', 'sp ace', 'x'.repeat(257)];
const tooMany = (n: number): FieldValue[] => Array.from({ length: n }, (_, i) => i);
const BAD_QUERIES: [string, Query][] = [
  ['dotted field', { where: [{ field: 'a.b', op: '==', value: 1 }] }],
  ['field starting with a digit', { where: [{ field: '1x', op: '==', value: 1 }] }],
  ['empty field', { where: [{ field: '', op: '==', value: 1 }] }],
  ['dashed field', { where: [{ field: 'a-b', op: '==', value: 1 }] }],
  ['bad orderBy field', { orderBy: { field: 'a.b' } }],
  ['limit 0', { limit: 0 }],
  ['limit over the maximum', { limit: MAX_QUERY_LIMIT + 1 }],
  ['fractional limit', { limit: 1.5 }],
  ['negative limit', { limit: -1 }],
  ['empty in', { where: [{ field: 'n', op: 'in', value: [] }] }],
  ['in over the maximum', { where: [{ field: 'n', op: 'in', value: tooMany(MAX_IN_VALUES + 1) }] }],
  ['in with a scalar', { where: [{ field: 'n', op: 'in', value: 1 }] }],
  ['== with an array', { where: [{ field: 'n', op: '==', value: [1] }] }],
  ['range against null', { where: [{ field: 'n', op: '<', value: null }] }],
  ['null inside in', { where: [{ field: 'n', op: 'in', value: [1, null] }] }],
  ['NaN', { where: [{ field: 'n', op: '==', value: Number.NaN }] }],
  ['invalid Date', { where: [{ field: 'd', op: '>', value: new Date(Number.NaN) }] }],
];

export function describeDocumentStoreContract(
  label: string,
  open: (clock: () => Date) => Promise<OpenedDocumentStore>,
): void {
  describe(`DocumentStore contract: ${label}`, () => {
    let opened: OpenedDocumentStore | undefined;
    let now = T0;
    let collections = 0;

    beforeAll(async () => {
      opened = await open(() => now);
    });
    afterAll(async () => {
      await opened?.cleanup();
    });
    beforeEach(() => {
      now = T0;
    });

    /** A new collection per test keeps tests independent without wiping shared state. */
    function fresh<T extends object>(): Collection<T> {
      collections += 1;
      return opened!.store.collection<T>(`c${collections}`);
    }

    async function seed<T extends object>(entries: [string, T][]): Promise<Collection<T>> {
      const collection = fresh<T>();
      for (const [id, data] of entries) await collection.set(id, data);
      return collection;
    }

    it('reports its kind and answers ping', async () => {
      expect(['embedded', 'firestore']).toContain(opened!.store.kind);
      await expect(opened!.store.ping()).resolves.toBeUndefined();
    });

    describe('single documents', () => {
      it('get of a missing document is null', async () => {
        expect(await fresh().get('missing')).toBeNull();
      });

      it('round-trips nested objects, arrays, booleans, null and top-level Dates', async () => {
        const doc = {
          text: 'héllo ✓ 日本',
          count: 42,
          ratio: 0.125,
          negative: -7,
          flag: true,
          off: false,
          nothing: null,
          tags: ['a', 'b'],
          nested: { deep: { list: [1, { x: 'y' }, null], n: null }, empty: {} },
          emptyList: [],
          createdAt: new Date('2030-01-01T00:00:00.123Z'),
          revokedAt: null,
        };
        const c = fresh<typeof doc>();
        await c.set('one:1@x', doc);
        const back = await c.get('one:1@x');
        expect(back).toStrictEqual(doc);
        expect(back?.createdAt).toBeInstanceOf(Date);
      });

      it('set replaces the whole document and drops undefined fields', async () => {
        const c = fresh<Record<string, unknown>>();
        await c.set('d', { a: 1, b: 2 });
        await c.set('d', { a: 3, gone: undefined });
        expect(await c.get('d')).toStrictEqual({ a: 3 });
      });

      it('create is create-only: true, then false keeping the first data', async () => {
        const c = fresh<{ v: number }>();
        expect(await c.create('k', { v: 1 })).toBe(true);
        expect(await c.create('k', { v: 2 })).toBe(false);
        expect(await c.get('k')).toStrictEqual({ v: 1 });
      });

      it('create is atomic under concurrency: exactly one winner', async () => {
        const c = fresh<{ v: number }>();
        const results = await Promise.all([1, 2, 3, 4, 5].map((v) => c.create('race', { v })));
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = results.indexOf(true) + 1;
        expect(await c.get('race')).toStrictEqual({ v: winner });
      });

      it('update merges top-level fields of an existing document (nested values are replaced)', async () => {
        const c = fresh<Record<string, unknown>>();
        await c.set('u', {
          label: 'spam',
          meta: { a: 1, b: 2 },
          createdAt: at(0),
          reviewedAt: null,
          keep: 'k',
        });
        expect(await c.update('u', { label: 'ok', meta: { a: 9 }, reviewedAt: at(5), keep: undefined })).toBe(
          true,
        );
        const back = await c.get('u');
        expect(back).toStrictEqual({
          label: 'ok',
          meta: { a: 9 },
          createdAt: at(0),
          reviewedAt: at(5),
          keep: 'k',
        });
        expect(back?.reviewedAt).toBeInstanceOf(Date);
        // The updated Date field is now filterable as a Date, and back to null afterwards.
        expect(ids(await c.query({ where: [{ field: 'reviewedAt', op: '>=', value: at(5) }] }))).toEqual([
          'u',
        ]);
        expect(await c.update('u', { reviewedAt: null })).toBe(true);
        expect(ids(await c.query({ where: [{ field: 'reviewedAt', op: '==', value: null }] }))).toEqual([
          'u',
        ]);
        expect(await c.query({ where: [{ field: 'reviewedAt', op: '>=', value: at(0) }] })).toEqual([]);
      });

      it('update of a missing document is false and creates nothing', async () => {
        const c = fresh<{ v: number }>();
        expect(await c.update('nope', { v: 1 })).toBe(false);
        expect(await c.get('nope')).toBeNull();
      });

      it('delete is true once, then false', async () => {
        const c = fresh<{ v: number }>();
        await c.set('x', { v: 1 });
        expect(await c.delete('x')).toBe(true);
        expect(await c.delete('x')).toBe(false);
        expect(await c.get('x')).toBeNull();
      });
    });

    describe('queries', () => {
      let mixed: Collection<Record<string, unknown>>;
      let predictions: Collection<Prediction>;
      beforeAll(async () => {
        mixed = await seed(Object.entries(MIXED));
        predictions = await seed(PREDICTIONS);
      });

      it.each(FILTER_CASES)('where: %s', async (_name, where, expected) => {
        expect(sortedIds(await mixed.query({ where }))).toEqual(expected);
        expect(await mixed.count(where)).toBe(expected.length);
      });

      it('without a query returns every document with its id', async () => {
        const all = await predictions.query();
        expect(sortedIds(all)).toEqual(PREDICTIONS.map(([id]) => id));
        expect(all.find((d) => d.id === 'p01')?.data).toStrictEqual(PREDICTIONS[0]![1]);
      });

      it('limit without orderBy returns that many', async () => {
        expect(await predictions.query({ limit: 4 })).toHaveLength(4);
      });

      it('orderBy desc with limit: the 3 most recent predictions', async () => {
        const recent = await predictions.query({
          orderBy: { field: 'createdAt', direction: 'desc' },
          limit: 3,
        });
        expect(ids(recent)).toEqual(['p10', 'p09', 'p08']);
        expect(recent[0]?.data.createdAt).toBeInstanceOf(Date);
      });

      it('orderBy asc on numbers is numeric', async () => {
        const lowest = await predictions.query({ orderBy: { field: 'score' }, limit: 2 });
        expect(ids(lowest)).toEqual(['p01', 'p02']);
      });

      it('orderBy ranks kinds (null < number < string) and leaves out documents lacking the field', async () => {
        expect(ids(await mixed.query({ orderBy: { field: 'opt' } }))).toEqual(['a', 'd', 'b']);
        expect(ids(await mixed.query({ orderBy: { field: 'opt', direction: 'desc' } }))).toEqual([
          'b',
          'd',
          'a',
        ]);
        expect(ids(await mixed.query({ orderBy: { field: 'n' } }))).toEqual(['c', 'a', 'b', 'd', 'e']);
      });

      it('history: label + client + time range, newest first, limited', async () => {
        const from = at(2);
        const to = at(10);
        const expected = PREDICTIONS.filter(
          ([, p]) => p.label === 'toxic' && p.clientId === 'c1' && p.createdAt >= from && p.createdAt < to,
        )
          .sort(([, a], [, b]) => b.createdAt.getTime() - a.createdAt.getTime())
          .map(([id]) => id);
        expect(expected.length).toBeGreaterThan(0);
        const where: Filter[] = [
          { field: 'label', op: '==', value: 'toxic' },
          { field: 'clientId', op: '==', value: 'c1' },
          { field: 'createdAt', op: '>=', value: from },
          { field: 'createdAt', op: '<', value: to },
        ];
        const page = await predictions.query({
          where,
          orderBy: { field: 'createdAt', direction: 'desc' },
          limit: 2,
        });
        expect(ids(page)).toEqual(expected.slice(0, 2));
        expect(await predictions.count(where)).toBe(expected.length);
      });

      it('history: one label, newest first', async () => {
        const expected = PREDICTIONS.filter(([, p]) => p.label === 'spam')
          .map(([id]) => id)
          .reverse();
        const where: Filter[] = [{ field: 'label', op: '==', value: 'spam' }];
        const page = await predictions.query({ where, orderBy: { field: 'createdAt', direction: 'desc' } });
        expect(ids(page)).toEqual(expected);
      });

      it('count with and without filters (per-label statistics)', async () => {
        expect(await predictions.count()).toBe(PREDICTIONS.length);
        let total = 0;
        for (const label of ['toxic', 'spam', 'ok']) {
          const n = await predictions.count([{ field: 'label', op: '==', value: label }]);
          expect(n).toBe(PREDICTIONS.filter(([, p]) => p.label === label).length);
          total += n;
        }
        expect(total).toBe(PREDICTIONS.length);
        expect(await predictions.count([{ field: 'label', op: '==', value: 'none' }])).toBe(0);
        expect(await predictions.count([{ field: 'createdAt', op: '>', value: at(7) }])).toBe(3);
      });

      it('string order is UTF-8 byte order', async () => {
        const words = ['a', 'B', 'é', 'z', 'Z', 'aa', '', '~', 'ä', '日本', 'ｅ', '😀'];
        const c = await seed(words.map((w, i): [string, { w: string }] => [`w${i}`, { w }]));
        const ascending = [...words].sort(byteOrder);
        const asc = await c.query({ orderBy: { field: 'w' } });
        expect(asc.map((d) => d.data.w)).toEqual(ascending);
        const desc = await c.query({ orderBy: { field: 'w', direction: 'desc' } });
        expect(desc.map((d) => d.data.w)).toEqual([...ascending].reverse());
        const below = await c.query({ where: [{ field: 'w', op: '<', value: 'a' }] });
        expect(below.map((d) => d.data.w).sort(byteOrder)).toEqual(['', 'B', 'Z']);
        const above = await c.query({ where: [{ field: 'w', op: '>', value: 'z' }] });
        expect(above.map((d) => d.data.w).sort(byteOrder)).toEqual(
          ascending.filter((w) => byteOrder(w, 'z') > 0),
        );
      });
    });

    describe('retention', () => {
      const expiring = (expiresAt?: Date): Prediction => ({
        label: 'ok',
        clientId: 'c1',
        score: 1,
        createdAt: at(0),
        ...(expiresAt ? { expiresAt } : {}),
      });

      it('expired documents are invisible to get, query and count', async () => {
        const c = await seed([
          ['old', expiring(at(-1))],
          ['edge', expiring(T0)],
          ['new', expiring(at(10))],
          ['none', expiring()],
        ]);
        expect(await c.get('old')).toBeNull();
        expect(await c.get('edge')).toBeNull();
        expect(await c.get('new')).toStrictEqual(expiring(at(10)));
        expect(sortedIds(await c.query())).toEqual(['new', 'none']);
        expect(sortedIds(await c.query({ where: [{ field: 'label', op: '==', value: 'ok' }] }))).toEqual([
          'new',
          'none',
        ]);
        expect(await c.count()).toBe(2);
        expect(await c.count([{ field: 'label', op: '==', value: 'ok' }])).toBe(2);
        now = at(20);
        expect(await c.get('new')).toBeNull();
        expect(ids(await c.query())).toEqual(['none']);
        expect(await c.count()).toBe(1);
      });

      it('limit still returns enough live documents when expired ones are interleaved', async () => {
        const c = await seed(
          Array.from({ length: 8 }, (_, i): [string, Prediction] => [
            `r${i}`,
            { ...expiring(i % 2 === 1 ? at(-1) : undefined), createdAt: at(i) },
          ]),
        );
        const page = await c.query({ orderBy: { field: 'createdAt', direction: 'desc' }, limit: 3 });
        expect(ids(page)).toEqual(['r6', 'r4', 'r2']);
      });

      it('purgeExpired deletes exactly the expired documents and returns how many', async () => {
        const c = await seed([
          ['old', expiring(at(-1))],
          ['edge', expiring(T0)],
          ['new', expiring(at(10))],
          ['none', expiring()],
        ]);
        expect(await c.purgeExpired(T0)).toBe(2);
        expect(await c.purgeExpired(T0)).toBe(0);
        now = at(-100); // before every expiry: only physically present documents are visible
        expect(await c.get('old')).toBeNull();
        expect(await c.get('edge')).toBeNull();
        expect(sortedIds(await c.query())).toEqual(['new', 'none']);
      });

      it('an expired document counts as absent for create, update and delete', async () => {
        const c = await seed([
          ['recreate', expiring(at(-1))],
          ['patch', expiring(at(-1))],
          ['remove', expiring(at(-1))],
        ]);
        expect(await c.create('recreate', expiring(at(10)))).toBe(true);
        expect(await c.get('recreate')).toStrictEqual(expiring(at(10)));
        expect(await c.update('patch', { label: 'spam' })).toBe(false);
        expect(await c.delete('remove')).toBe(false);
        now = at(-100);
        expect(await c.get('remove')).toBeNull();
        expect(await c.get('patch')).toStrictEqual(expiring(at(-1)));
      });

      it('update can extend or clear expiry', async () => {
        const c = await seed([['p', expiring(at(1))]]);
        expect(await c.update('p', { expiresAt: at(30) })).toBe(true);
        now = at(10);
        expect((await c.get('p'))?.expiresAt).toStrictEqual(at(30));
        expect(await c.purgeExpired(at(10))).toBe(0);
        expect(await c.purgeExpired(at(30))).toBe(1);
      });
    });

    describe('input validation', () => {
      it.each(BAD_COLLECTIONS)('rejects collection name %j', (name) => {
        expect(() => opened!.store.collection(name)).toThrow(DocumentStoreError);
      });

      it.each(BAD_IDS)('rejects document id %j', async (id) => {
        const c = fresh<{ v: number }>();
        await expect(c.get(id)).rejects.toThrow(DocumentStoreError);
        await expect(c.set(id, { v: 1 })).rejects.toThrow(DocumentStoreError);
        await expect(c.create(id, { v: 1 })).rejects.toThrow(DocumentStoreError);
        await expect(c.update(id, { v: 1 })).rejects.toThrow(DocumentStoreError);
        await expect(c.delete(id)).rejects.toThrow(DocumentStoreError);
      });

      it.each(BAD_QUERIES)('rejects a query with %s', async (_name, query) => {
        const c = fresh<{ n: number }>();
        await expect(c.query(query)).rejects.toThrow(DocumentStoreError);
        if (query.where) await expect(c.count(query.where)).rejects.toThrow(DocumentStoreError);
      });

      it('accepts the boundaries: limit 1000 and 30 "in" values', async () => {
        const c = await seed([['x', { n: 29 }]]);
        const where: Filter[] = [{ field: 'n', op: 'in', value: tooMany(MAX_IN_VALUES) }];
        expect(ids(await c.query({ where, limit: MAX_QUERY_LIMIT }))).toEqual(['x']);
      });
    });
  });
}
