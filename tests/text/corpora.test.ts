/** Text-set loaders against the counts in shared/data/SOURCES.md, and the gettext "other language" reader. */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CORPORA,
  type CorpusName,
  datasetPath,
  describeCorpus,
  type LabelledText,
  loadCorpus,
  sha256File,
  targetsFor,
} from '../../scripts/text/corpora.js';
import {
  cleanMessage,
  collectMessages,
  readMoFile,
  summarizeMessages,
} from '../../scripts/text/mo-corpus.js';

const DATA = process.env.VIGIL_DATA_DIR ?? path.resolve(process.cwd(), '../shared/data');
const hasData = existsSync(DATA);

const scratch = mkdtempSync(path.join(tmpdir(), 'vigil-corpora-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const positives = (rows: LabelledText[], target: string, value = 1): number =>
  rows.filter((r) => r.targets[target] === value).length;

interface Expected {
  rows: number;
  /** target → number of rows with value 1 (or `davidson:k` → rows of class k). */
  counts: Record<string, number>;
}

// Numbers from SOURCES.md; those marked (py) are not stated there and were counted with Python's csv module.
const EXPECTED: Record<string, Expected> = {
  'jigsaw-toxic-comments/train': {
    rows: 39_997,
    counts: { toxic: 9140, severe_toxic: 849, obscene: 4570, threat: 254, insult: 4202, identity_hate: 758 },
  },
  'jigsaw-toxic-comments/test': {
    rows: 10_239,
    counts: { toxic: 2348, severe_toxic: 205, obscene: 1204, threat: 68, insult: 1084, identity_hate: 190 },
  },
  'jigsaw-toxic-comments/official_test_labeled': {
    rows: 229,
    counts: { toxic: 21, obscene: 12, insult: 12, identity_hate: 4, threat: 1 },
  },
  'jigsaw-toxic-comments/official_test_toxic_only': { rows: 10_917, counts: { toxic: 5480 } },
  'wikipedia-talk-toxicity-subset-en/test': { rows: 1344, counts: { toxic: 222 } },
  'wikipedia-talk-toxicity-subset-en/test_identity_fuzzed': { rows: 1344, counts: {} },
  'jigsaw-multilingual-fr/test': { rows: 917, counts: { toxic: 283 } },
  'french-hate-speech-superset/train': { rows: 13_075, counts: { hateful: 3189 } },
  'french-hate-speech-superset/test': { rows: 3210, counts: { hateful: 747 } },
  // (py) MLMA rows whose sentiment is exactly "normal"
  'mlma-hate-speech-en/train': { rows: 4029, counts: { hateful: 4029 - 463 } },
  'mlma-hate-speech-en/test': { rows: 1068, counts: { hateful: 1068 - 138 } },
  'mlma-hate-speech-fr/train': { rows: 2863, counts: { hateful: 2863 - 577 } },
  'mlma-hate-speech-fr/test': { rows: 743, counts: { hateful: 743 - 170 } },
  'davidson-hate-speech-en/train': {
    rows: 18_005,
    counts: {
      'davidson:0': 1035,
      'davidson:1': 13_980,
      'davidson:2': 2990,
      hateful: 1035,
      offensive: 1035 + 13_980,
    },
  },
  'davidson-hate-speech-en/test': {
    rows: 4327,
    counts: { 'davidson:0': 275, 'davidson:1': 3302, 'davidson:2': 750, hateful: 275, offensive: 275 + 3302 },
  },
  'hatexplain-en/train': { rows: 13_650, counts: { hateful: 4176, offensive: 3903 + 4176 } },
  'hatexplain-en/test': { rows: 3401, counts: { hateful: 1018, offensive: 1013 + 1018 } },
  // (py) hateful = OFF/TIN/GRP
  'olid-offenseval2019-en/train': { rows: 11_919, counts: { offensive: 3967, hateful: 965 } },
  'olid-offenseval2019-en/test': { rows: 785, counts: { offensive: 216, hateful: 74 } },
  // (py) hateful cases; SOURCES.md only gives the pre-holdout totals (2,563 EN, 2,600 FR)
  'hatecheck-en/test': { rows: 3318, counts: { hateful: 2290 } },
  'multilingual-hatecheck-fr/test': { rows: 3318, counts: { hateful: 2288 } },
};

const SPLITS = (Object.keys(CORPORA) as CorpusName[]).flatMap((name) =>
  CORPORA[name].splits.map((split) => [name, split] as const),
);

describe('CORPORA', () => {
  it('has an expectation for every split it lists, and nothing more', () => {
    expect(SPLITS.map(([n, s]) => `${n}/${s}`).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it('leaves out the superseded jigsaw subset', () => {
    expect(Object.keys(CORPORA)).not.toContain('jigsaw-toxic-comments-subset');
  });

  it('maps OLID to .tsv and the rest to .csv', () => {
    expect(datasetPath('/d', 'olid-offenseval2019-en', 'train')).toBe('/d/olid-offenseval2019-en/train.tsv');
    expect(datasetPath('/d', 'hatecheck-en', 'test')).toBe('/d/hatecheck-en/test.csv');
    expect(() => datasetPath('/d', 'hatecheck-en', 'train')).toThrow(/no split train/);
  });
});

describe.skipIf(!hasData)(`loadCorpus on ${DATA}`, () => {
  const cache = new Map<string, Promise<LabelledText[]>>();
  const load = (name: CorpusName, split: string) => {
    const key = `${name}/${split}`;
    if (!cache.has(key)) cache.set(key, loadCorpus(DATA, name, split));
    return cache.get(key)!;
  };

  it.each(SPLITS)('%s/%s matches SOURCES.md', async (name, split) => {
    const rows = await load(name, split);
    const expected = EXPECTED[`${name}/${split}`]!;
    expect(rows).toHaveLength(expected.rows);
    const targets = targetsFor(name, split);
    const domain = (t: string) => (t === 'davidson' ? [0, 1, 2] : [0, 1]);
    const odd = rows.filter(
      (r) =>
        r.lang !== CORPORA[name].lang ||
        r.text.trim() === '' ||
        Object.keys(r.targets).join() !== targets.join() ||
        targets.some((t) => !domain(t).includes(r.targets[t]!)),
    );
    expect(odd).toEqual([]);
    for (const [key, n] of Object.entries(expected.counts)) {
      const [target, value] = key.split(':') as [string, string?];
      expect({ key, n: positives(rows, target, value === undefined ? 1 : Number(value)) }).toEqual({
        key,
        n,
      });
    }
  });

  it('jigsaw ids are the original 16-hex ids and unique', async () => {
    const rows = await load('jigsaw-toxic-comments', 'train');
    expect(rows.every((r) => /^[0-9a-f]{16}$/.test(r.id ?? ''))).toBe(true);
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
    expect((await load('jigsaw-toxic-comments', 'official_test_toxic_only'))[0]!.id).toBeUndefined();
  });

  it('the fuzzed Wikipedia file has the same rev_ids as the plain one', async () => {
    const ids = async (split: string) =>
      (await load('wikipedia-talk-toxicity-subset-en', split)).map((r) => r.id).sort();
    expect(await ids('test_identity_fuzzed')).toEqual(await ids('test'));
  });

  it('keeps texts verbatim: trailing spaces, inner CR, bare quotes in OLID tweets', async () => {
    const hc = await load('hatecheck-en', 'test');
    expect(hc.find((r) => r.id === '1')).toMatchObject({
      text: 'I hate women. ',
      group: 'derog_neg_emote_h',
    });
    expect(new Set(hc.map((r) => r.group)).size).toBeLessThanOrEqual(29);
    const fr = await load('french-hate-speech-superset', 'test');
    expect(fr.filter((r) => r.text.includes('\r'))).toHaveLength(1);
    const olid = await load('olid-offenseval2019-en', 'train');
    expect(olid.filter((r) => r.text.includes('"')).length).toBeGreaterThan(100);
  });

  it('describes a split for provenance', async () => {
    const d = await describeCorpus(DATA, 'olid-offenseval2019-en', 'test');
    const file = datasetPath(DATA, 'olid-offenseval2019-en', 'test');
    expect(d).toMatchObject({ folder: 'olid-offenseval2019-en', file: 'test.tsv', rows: 785 });
    expect(d.sha256).toBe(createHash('sha256').update(readFileSync(file)).digest('hex'));
  });
});

describe('loadCorpus validation (synthetic files)', () => {
  const root = path.join(scratch, 'data');
  const put = (name: CorpusName, file: string, text: string) => {
    mkdirSync(path.join(root, name), { recursive: true });
    writeFileSync(path.join(root, name, file), text);
  };
  const davidsonHeader = ',count,hate_speech,offensive_language,neither,class,tweet\n';

  it('maps Davidson classes and strips only a trailing CR', async () => {
    put('davidson-hate-speech-en', 'train.csv', `${davidsonHeader}0,3,3,0,0,0,"a\r"\n7,3,0,0,3,2, b \n`);
    expect(await loadCorpus(root, 'davidson-hate-speech-en', 'train')).toEqual([
      { text: 'a', lang: 'en', id: '0', targets: { davidson: 0, hateful: 1, offensive: 1 } },
      { text: ' b ', lang: 'en', id: '7', targets: { davidson: 2, hateful: 0, offensive: 0 } },
    ]);
  });

  it('names file and line of a label outside its domain', async () => {
    put('davidson-hate-speech-en', 'test.csv', `${davidsonHeader}0,3,3,0,0,0,"two\nlines"\n1,3,0,0,3,3,x\n`);
    await expect(loadCorpus(root, 'davidson-hate-speech-en', 'test')).rejects.toThrow(
      /davidson-hate-speech-en\/test\.csv:4: column "class" = "3"/,
    );
  });

  it('names the file when a column is missing or unexpected', async () => {
    put('hatexplain-en', 'train.csv', 'text,label\nhello there,0\n');
    await expect(loadCorpus(root, 'hatexplain-en', 'train')).rejects.toThrow(
      /hatexplain-en\/train\.csv:1: header/,
    );
  });

  it('rejects OLID rows whose levels do not nest', async () => {
    const head = 'id\ttweet\tsubtask_a\tsubtask_b\tsubtask_c\n';
    put('olid-offenseval2019-en', 'train.tsv', `${head}1\t"ok\tOFF\tTIN\tGRP\n2\tfine\tNOT\tNULL\tNULL\n`);
    expect(
      (await loadCorpus(root, 'olid-offenseval2019-en', 'train')).map((r) => [r.text, r.targets]),
    ).toEqual([
      ['"ok', { offensive: 1, hateful: 1 }],
      ['fine', { offensive: 0, hateful: 0 }],
    ]);
    put('olid-offenseval2019-en', 'test.tsv', `${head}1\tx\tOFF\tUNT\tNULL\n2\ty\tNOT\tTIN\tIND\n`);
    await expect(loadCorpus(root, 'olid-offenseval2019-en', 'test')).rejects.toThrow(
      /test\.tsv:3: column "subtask_b"/,
    );
  });

  it('applies the MLMA convention: only a bare "normal" is not hateful', async () => {
    const head = 'HITId,tweet,sentiment,directness,annotator_sentiment,target,group\n';
    const rows = ['normal', 'normal_offensive', 'hateful_fearful'].map(
      (s, i) => `${i},t${i},${s},direct,x,y,z`,
    );
    put('mlma-hate-speech-fr', 'train.csv', `${head}${rows.join('\n')}\n`);
    const got = await loadCorpus(root, 'mlma-hate-speech-fr', 'train');
    expect(got.map((r) => [r.lang, r.targets.hateful])).toEqual([
      ['fr', 0],
      ['fr', 1],
      ['fr', 1],
    ]);
    put('mlma-hate-speech-fr', 'test.csv', `${head}0,t,normal_angry,direct,x,y,z\n`);
    await expect(loadCorpus(root, 'mlma-hate-speech-fr', 'test')).rejects.toThrow(
      /test\.csv:2: column "sentiment"/,
    );
  });

  it('hashes files in a stream and reports provenance', async () => {
    put(
      'jigsaw-multilingual-fr',
      'test.csv',
      'id,content,lang,toxic\n5,Bonjour à tous,fr,0\n6,"Va, idiot",fr,1\n',
    );
    const file = datasetPath(root, 'jigsaw-multilingual-fr', 'test');
    expect(await sha256File(file)).toBe(createHash('sha256').update(readFileSync(file)).digest('hex'));
    expect(await describeCorpus(root, 'jigsaw-multilingual-fr', 'test')).toMatchObject({
      corpus: 'jigsaw-multilingual-fr',
      file: 'test.csv',
      rows: 2,
    });
    await expect(sha256File(path.join(root, 'missing.csv'))).rejects.toThrow(/ENOENT/);
  });
});

/** Encodes a GNU .mo catalogue (format revision 0, no hash table); the test-side twin of readMoFile. */
function encodeMo(
  entries: [string, string][],
  { bigEndian = false, encoding = 'utf8' as BufferEncoding } = {},
): Buffer {
  const sorted = [...entries].sort(([a], [b]) => (a < b ? -1 : 1));
  const n = sorted.length;
  const ids = sorted.map(([id]) => Buffer.from(id, encoding));
  const strs = sorted.map(([, s]) => Buffer.from(s, encoding));
  const tables = 28 + 16 * n;
  const blobs = [...ids, ...strs];
  const size = tables + blobs.reduce((sum, b) => sum + b.length + 1, 0);
  const buf = Buffer.alloc(size);
  const put = (at: number, v: number) => {
    if (bigEndian) buf.writeUInt32BE(v, at);
    else buf.writeUInt32LE(v, at);
  };
  for (const [i, v] of [0x950412de, 0, n, 28, 28 + 8 * n, 0, tables].entries()) put(4 * i, v);
  let at = tables;
  for (const [i, b] of blobs.entries()) {
    put(28 + 8 * i, b.length);
    put(28 + 8 * i + 4, at);
    b.copy(buf, at);
    at += b.length + 1; // NUL terminator, already zero
  }
  return buf;
}

const UTF8_HEADER = 'Content-Type: text/plain; charset=UTF-8\n';

describe('readMoFile', () => {
  const entries: [string, string][] = [
    ['', UTF8_HEADER],
    ['Open file', 'Datei öffnen'],
    ['%d file\u0000%d files', '%d Datei\u0000%d Dateien'],
    ['menu\u0004Quit', 'Beenden'],
  ];
  const expected = [
    { msgid: '%d file', msgstr: '%d Datei' },
    { msgid: 'Open file', msgstr: 'Datei öffnen' },
    { msgid: 'Quit', msgstr: 'Beenden' },
  ];

  it.each([false, true])(
    'parses entries, first plural form, context stripped (big-endian: %s)',
    (bigEndian) => {
      const got = readMoFile(encodeMo(entries, { bigEndian }));
      expect([...got].sort((a, b) => (a.msgid < b.msgid ? -1 : 1))).toEqual(expected);
    },
  );

  it('decodes legacy charsets declared in the header', () => {
    const buf = encodeMo(
      [
        ['', 'Content-Type: text/plain; charset=ISO-8859-1\n'],
        ['Size', 'Größe'],
      ],
      { encoding: 'latin1' },
    );
    expect(readMoFile(buf)).toEqual([{ msgid: 'Size', msgstr: 'Größe' }]);
  });

  it('rejects garbage and truncated files', () => {
    expect(() => readMoFile(Buffer.from('not a catalogue at all'))).toThrow(/magic/);
    const good = encodeMo(entries);
    expect(() => readMoFile(good.subarray(0, good.length - 20))).toThrow(/past end/);
  });
});

describe('cleanMessage', () => {
  const cases: [string, string][] = [
    ['Cannot open %s: %d errors', 'Cannot open : errors'],
    ['%1$s copied to %2$s', 'copied to'],
    ['Value %(name)s is %-10lu wide', 'Value is wide'],
    ['Hello {0}, welcome to {name}', 'Hello , welcome to'],
    ['_Open the file', 'Open the file'],
    ['&Save As…', 'Save As…'],
    ['打开(_O)', '打开'],
    ['line one\nline two\ttabbed', 'line one line two tabbed'],
    ['“%s” n’existe pas', 'n’existe pas'],
    ['<b>Bold</b> text', 'Bold text'],
    ['50 % des fichiers', '50 % des fichiers'],
  ];
  it.each(cases)('%j → %j', (raw, clean) => {
    expect(cleanMessage(raw)).toBe(clean);
  });
});

describe('collectMessages on a synthetic locale tree', () => {
  const root = path.join(scratch, 'locale');
  const catalogue = (locale: string, domain: string, pairs: [string, string][]) => {
    mkdirSync(path.join(root, locale, 'LC_MESSAGES'), { recursive: true });
    writeFileSync(
      path.join(root, locale, 'LC_MESSAGES', `${domain}.mo`),
      encodeMo([['', UTF8_HEADER], ...pairs]),
    );
  };
  catalogue('de', 'app', [
    ['Could not open the file %s', 'Die Datei %s konnte nicht geöffnet werden'],
    ['Untranslated message here', 'Untranslated message here'],
    ['Save', 'Speichern'],
    ['_Quit the application', '_Anwendung beenden und schließen'],
  ]);
  catalogue('de_CH', 'app', [['Could not open the file %s', 'Die Datei %s konnte nicht geöffnet werden']]);
  catalogue('pt_BR', 'app', [['Remove all selected items', 'Remover todos os itens selecionados']]);
  catalogue('sr@latin', 'app', [['Remove all selected items', 'Ukloni sve izabrane stavke']]);
  catalogue('ja', 'app', [['Open file', 'ファイルを開く']]);
  catalogue('fr', 'app', [['Remove all selected items', 'Supprimer tous les éléments choisis']]);
  catalogue('en_GB', 'app', [['Choose a colour theme', 'Choose a colour theme please']]);
  writeFileSync(path.join(root, 'locale.alias'), 'not a folder\n');

  it('folds locales into languages, cleans, drops untranslated and short strings, echoes English', () => {
    const rows = collectMessages({ root });
    expect(rows).toEqual([
      { lang: 'de', text: 'Anwendung beenden und schließen', source: 'de/LC_MESSAGES/app.mo' },
      { lang: 'de', text: 'Die Datei konnte nicht geöffnet werden', source: 'de/LC_MESSAGES/app.mo' },
      { lang: 'en', text: 'Could not open the file', source: 'de/LC_MESSAGES/app.mo' },
      { lang: 'en', text: 'Quit the application', source: 'de/LC_MESSAGES/app.mo' },
      { lang: 'en', text: 'Remove all selected items', source: 'fr/LC_MESSAGES/app.mo' },
      { lang: 'fr', text: 'Supprimer tous les éléments choisis', source: 'fr/LC_MESSAGES/app.mo' },
      { lang: 'ja', text: 'ファイルを開く', source: 'ja/LC_MESSAGES/app.mo' },
      { lang: 'pt', text: 'Remover todos os itens selecionados', source: 'pt_BR/LC_MESSAGES/app.mo' },
      { lang: 'sr', text: 'Ukloni sve izabrane stavke', source: 'sr@latin/LC_MESSAGES/app.mo' },
    ]);
    expect(summarizeMessages(rows)).toEqual({ de: 2, en: 3, fr: 1, ja: 1, pt: 1, sr: 1 });
  });

  it('caps each language by seeded hash order, deterministically', () => {
    const one = collectMessages({ root, perLanguage: 1 }).filter((r) => r.lang === 'de');
    expect(one).toHaveLength(1);
    const pick = (seed: string) =>
      collectMessages({ root, perLanguage: 1, seed }).find((r) => r.lang === 'de')!.text;
    const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');
    const both = ['Anwendung beenden und schließen', 'Die Datei konnte nicht geöffnet werden'];
    for (const seed of ['langid', 'a', 'b', 'c']) {
      const best = [...both].sort((x, y) => (sha1(seed + x) < sha1(seed + y) ? -1 : 1))[0];
      expect(pick(seed)).toBe(best);
    }
  });
});

const systemLocale = '/usr/share/locale';
describe.skipIf(!existsSync(path.join(systemLocale, 'de')))('collectMessages on this machine', () => {
  it('returns German and Spanish, echoes English only from msgids, leaves no %s', {
    timeout: 120_000,
  }, () => {
    const rows = collectMessages();
    const counts = summarizeMessages(rows);
    expect(counts.de).toBeGreaterThan(50);
    expect(counts.es).toBeGreaterThan(50);
    for (const [lang, n] of Object.entries(counts)) if (lang !== 'en') expect(n).toBeLessThanOrEqual(400);
    const odd = rows.filter((r) => {
      const locale = r.source.split('/')[0]!;
      return (
        locale.startsWith('en') ||
        (r.lang !== 'en' && locale.split(/[_@.]/)[0] !== r.lang) ||
        /%s|%d|\n/.test(r.text)
      );
    });
    expect(odd).toEqual([]);
  });
});
