/** Dataset validation for uploads: each check, table-driven, against a two-head manifest. */
import { describe, expect, it } from 'vitest';
import { datasetColumns, validateDataset } from '../../shared/mlops/datasets.js';
import { decidePromotion } from '../../shared/mlops/evaluation.js';
import { nextVersion } from '../../shared/mlops/versions.js';

const manifest = {
  name: 'hate-speech',
  languages: ['en', 'fr'],
  limits: { maxChars: 100 },
  heads: [
    { name: 'hateful', activation: 'sigmoid' as const, labels: ['hateful'], thresholds: { hateful: 0.5 } },
    { name: 'davidson', activation: 'softmax' as const, labels: ['hate', 'offensive', 'neither'] },
  ],
};
const limits = {
  maxBytes: 10_000,
  minRows: 4,
  maxRows: 1000,
  maxDuplicateShare: 0.2,
  maxEmptyShare: 0.1,
  minClassShare: 0.2,
};
const good = [
  'text,hateful,davidson,lang',
  'a b,1,hate,en',
  'c d,0,neither,fr',
  'e f,1,,en',
  'g h,0,offensive,en',
  'i j,0,,fr',
];
const csv = (lines: string[]) => Buffer.from(lines.join('\n'));

describe('validateDataset', () => {
  it('derives the columns from the manifest', () => {
    expect(datasetColumns(manifest)).toEqual({
      required: ['text', 'hateful'],
      optional: ['lang', 'id', 'davidson'],
    });
  });

  it('accepts a good CSV and parses targets per head', () => {
    const { validation, examples } = validateDataset(csv(good), 'x.csv', manifest, limits);
    expect(validation.problems).toEqual([]);
    expect(validation.ok).toBe(true);
    expect(examples[0]).toEqual({ text: 'a b', lang: 'en', targets: { hateful: [1], davidson: [0] } });
    expect(examples[2]?.targets.davidson).toBeNull();
    expect(validation.stats.positiveShare).toEqual({ hateful: 0.4 });
  });

  it('accepts the same rows as JSONL', () => {
    const jsonl = [
      '{"text":"a b","hateful":1}',
      '{"text":"c d","hateful":0}',
      '{"text":"e f","hateful":true}',
      '{"text":"g h","hateful":0}',
    ];
    const { validation, examples } = validateDataset(
      Buffer.from(jsonl.join('\n')),
      'x.jsonl',
      manifest,
      limits,
    );
    expect(validation.ok).toBe(true);
    expect(examples.map((e) => e.targets.hateful)).toEqual([[1], [0], [1], [0]]);
  });

  const cases: {
    name: string;
    lines: string[];
    file?: string;
    limits?: Partial<typeof limits>;
    check: string;
  }[] = [
    { name: 'an unknown format', lines: good, file: 'x.txt', check: 'format' },
    { name: 'a missing label column', lines: ['text,lang', 'a,en', 'b,en', 'c,en', 'd,en'], check: 'schema' },
    { name: 'a label outside 0/1', lines: [...good, 'k l,2,,en'], check: 'labels' },
    { name: 'a class outside the head’s labels', lines: [...good, 'k l,1,slur,en'], check: 'labels' },
    { name: 'too few rows', lines: good.slice(0, 3), check: 'rows' },
    { name: 'too many bytes', lines: good, limits: { maxBytes: 20 }, check: 'size' },
    { name: 'too many empty texts', lines: [...good, '"",1,,en', '" ",0,,en'], check: 'empty' },
    { name: 'too many duplicates', lines: [...good, 'A  B,1,,en', 'a b,0,,en'], check: 'duplicates' },
    {
      name: 'one class under its minimum share',
      lines: ['text,hateful', 'a,0', 'b,0', 'c,0', 'd,0', 'e,0', 'f,1'],
      check: 'balance',
    },
    { name: 'a text over the model’s limit', lines: [...good, `${'x'.repeat(101)},1,,en`], check: 'length' },
  ];
  for (const c of cases) {
    it(`rejects ${c.name}`, () => {
      const { validation } = validateDataset(csv(c.lines), c.file ?? 'x.csv', manifest, {
        ...limits,
        ...c.limits,
      });
      expect(validation.ok).toBe(false);
      expect(validation.problems.map((p) => p.check)).toContain(c.check);
    });
  }

  it('never quotes the texts in its messages', () => {
    const secret = 'my-secret-text';
    const { validation } = validateDataset(csv([...good, `${secret},7,,en`]), 'x.csv', manifest, limits);
    expect(JSON.stringify(validation)).not.toContain(secret);
  });
});

describe('decidePromotion', () => {
  const policy = { margin: 0.01, tolerance: 0.02 };
  const table = (a: number, b: number) => ({
    setA: { 'rocAuc:h.x': a, 'rocAuc:h.y': b },
    setB: { 'rocAuc:h.x': a },
  });
  it.each([
    {
      name: 'promotes a candidate better by the margin',
      cand: table(0.95, 0.9),
      champ: table(0.93, 0.9),
      promote: true,
    },
    {
      name: 'keeps the champion when the gain is under the margin',
      cand: table(0.935, 0.9),
      champ: table(0.93, 0.9),
      promote: false,
    },
    {
      name: 'keeps the champion when another metric regresses',
      cand: table(0.96, 0.85),
      champ: table(0.93, 0.9),
      promote: false,
    },
    {
      name: 'tolerates a small regression elsewhere',
      cand: table(0.96, 0.89),
      champ: table(0.93, 0.9),
      promote: true,
    },
  ])('$name', ({ cand, champ, promote }) => {
    expect(decidePromotion(cand, champ, 'h.x', policy).promote).toBe(promote);
  });
});

describe('nextVersion', () => {
  it('bumps the patch of the newest version, numerically', () => {
    expect(nextVersion(['1.0.0', '1.0.9', '1.0.10'])).toBe('1.0.11');
    expect(nextVersion([])).toBe('1.0.0');
  });
});
