/** Typed, validating loaders for the labelled text sets described in ../shared/data/SOURCES.md. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseRecords } from '../../shared/ml/csv.js';

export type Lang = 'en' | 'fr';

export interface LabelledText {
  text: string;
  lang: Lang;
  targets: Record<string, number>;
  group?: string;
  id?: string;
}

export type CorpusName =
  | 'jigsaw-toxic-comments'
  | 'wikipedia-talk-toxicity-subset-en'
  | 'jigsaw-multilingual-fr'
  | 'french-hate-speech-superset'
  | 'mlma-hate-speech-en'
  | 'mlma-hate-speech-fr'
  | 'davidson-hate-speech-en'
  | 'hatexplain-en'
  | 'olid-offenseval2019-en'
  | 'hatecheck-en'
  | 'multilingual-hatecheck-fr';

type Row = Record<string, string>;
/** Reads a cell, throwing (with file and line) when the value is outside its domain. */
type Cell = (column: string, allowed?: readonly string[] | ((value: string) => boolean)) => string;

interface Layout {
  /** The exact header expected; any other column set is treated as data drift. */
  columns: string[];
  text: string;
  id?: string;
  group?: string;
  targets: string[];
  label: (cell: Cell) => Record<string, number>;
}

export interface CorpusInfo {
  lang: Lang;
  splits: string[];
  /** Union over splits; see targetsFor for what one split carries. */
  targets: string[];
  describe: string;
}

interface Spec extends CorpusInfo {
  ext: '.csv' | '.tsv';
  layout: (split: string) => Layout;
}

const BIN = ['0', '1'] as const;
const JIGSAW_LABELS = ['toxic', 'severe_toxic', 'obscene', 'threat', 'insult', 'identity_hate'];
// MLMA's `sentiment` is any `_`-joined combination of these hostility types.
const MLMA_TYPES = new Set(['normal', 'offensive', 'abusive', 'hateful', 'disrespectful', 'fearful']);
const HATECHECK = ['hateful', 'non-hateful'] as const;

const flag = (b: boolean): number => (b ? 1 : 0);

const jigsawLayout = (split: string): Layout =>
  split === 'official_test_toxic_only'
    ? {
        columns: ['comment_text', 'toxic'],
        text: 'comment_text',
        targets: ['toxic'],
        label: (c) => ({ toxic: +c('toxic', BIN) }),
      }
    : {
        columns: ['id', 'comment_text', ...JIGSAW_LABELS],
        text: 'comment_text',
        id: 'id',
        targets: JIGSAW_LABELS,
        label: (c) => Object.fromEntries(JIGSAW_LABELS.map((t) => [t, +c(t, BIN)])),
      };

const mlma = (lang: Lang): Spec => ({
  lang,
  splits: ['train', 'test'],
  targets: ['hateful'],
  describe: `MLMA hate speech tweets (${lang}, Ousidhoum et al. 2019); hateful unless sentiment is exactly "normal"`,
  ext: '.csv',
  layout: () => ({
    columns: ['HITId', 'tweet', 'sentiment', 'directness', 'annotator_sentiment', 'target', 'group'],
    text: 'tweet',
    id: 'HITId',
    targets: ['hateful'],
    label: (c) => {
      const s = c('sentiment', (v) => v.split('_').every((t) => MLMA_TYPES.has(t)));
      return { hateful: flag(s !== 'normal') };
    },
  }),
});

const hatecheck = (lang: Lang, idColumn: string, columns: string[]): Spec => ({
  lang,
  splits: ['test'],
  targets: ['hateful'],
  describe: `${lang === 'en' ? 'HateCheck' : 'Multilingual HateCheck (French)'} functional test suite; group = functionality`,
  ext: '.csv',
  layout: () => ({
    columns,
    text: 'test_case',
    id: idColumn,
    group: 'functionality',
    targets: ['hateful'],
    label: (c) => ({ hateful: flag(c('label_gold', HATECHECK) === 'hateful') }),
  }),
});

const SPECS: Record<CorpusName, Spec> = {
  'jigsaw-toxic-comments': {
    lang: 'en',
    splits: ['train', 'test', 'official_test_labeled', 'official_test_toxic_only'],
    targets: JIGSAW_LABELS,
    describe:
      'Jigsaw Toxic Comment Classification (2018) Wikipedia comments; official_test_toxic_only has toxic only',
    ext: '.csv',
    layout: jigsawLayout,
  },
  'wikipedia-talk-toxicity-subset-en': {
    lang: 'en',
    splits: ['test', 'test_identity_fuzzed'],
    targets: ['toxic'],
    describe:
      'Wikipedia Talk Labels toxicity, identity-focused test subset (fuzzed = identity terms swapped)',
    ext: '.csv',
    layout: () => ({
      columns: ['rev_id', 'comment', 'toxic'],
      text: 'comment',
      id: 'rev_id',
      targets: ['toxic'],
      label: (c) => ({ toxic: flag(c('toxic', ['True', 'False']) === 'True') }),
    }),
  },
  'jigsaw-multilingual-fr': {
    lang: 'fr',
    splits: ['test'],
    targets: ['toxic'],
    describe: 'Jigsaw Multilingual Toxic Comment (2020) test set, French Wikipedia comments',
    ext: '.csv',
    layout: () => ({
      columns: ['id', 'content', 'lang', 'toxic'],
      text: 'content',
      id: 'id',
      targets: ['toxic'],
      label: (c) => {
        c('lang', ['fr']);
        return { toxic: +c('toxic', BIN) };
      },
    }),
  },
  'french-hate-speech-superset': {
    lang: 'fr',
    splits: ['train', 'test'],
    targets: ['hateful'],
    describe: 'French Hate Speech Superset (Tonneau et al. 2024): tweets, CONAN, CyberAgressionAdo',
    ext: '.csv',
    layout: () => ({
      columns: ['text', 'labels', 'target', 'source', 'dataset', 'nb_annotators', 'tweet_id'],
      text: 'text',
      targets: ['hateful'],
      label: (c) => ({ hateful: +c('labels', BIN) }),
    }),
  },
  'mlma-hate-speech-en': mlma('en'),
  'mlma-hate-speech-fr': mlma('fr'),
  'davidson-hate-speech-en': {
    lang: 'en',
    splits: ['train', 'test'],
    targets: ['davidson', 'hateful', 'offensive'],
    describe: 'Davidson et al. 2017 tweets; davidson = class index (0 hate, 1 offensive, 2 neither)',
    ext: '.csv',
    layout: () => ({
      columns: ['', 'count', 'hate_speech', 'offensive_language', 'neither', 'class', 'tweet'],
      text: 'tweet',
      id: '',
      targets: ['davidson', 'hateful', 'offensive'],
      label: (c) => {
        const k = +c('class', ['0', '1', '2']);
        return { davidson: k, hateful: flag(k === 0), offensive: flag(k !== 2) };
      },
    }),
  },
  'hatexplain-en': {
    lang: 'en',
    splits: ['train', 'test'],
    targets: ['hateful', 'offensive'],
    describe:
      'HateXplain (Mathew et al. 2021) posts, lower-cased upstream; label 0 normal, 1 offensive, 2 hate',
    ext: '.csv',
    layout: () => ({
      columns: [
        'text',
        'rationale_pos',
        'label',
        'label_gender',
        'label_religion',
        'label_race',
        'label_economic',
        'label_minority',
      ],
      text: 'text',
      targets: ['hateful', 'offensive'],
      label: (c) => {
        const k = +c('label', ['0', '1', '2']);
        return { hateful: flag(k === 2), offensive: flag(k >= 1) };
      },
    }),
  },
  'olid-offenseval2019-en': {
    lang: 'en',
    splits: ['train', 'test'],
    targets: ['offensive', 'hateful'],
    describe: 'OLID / OffensEval 2019 tweets; hateful = offensive, targeted, at a group (OFF+TIN+GRP)',
    ext: '.tsv',
    layout: () => ({
      columns: ['id', 'tweet', 'subtask_a', 'subtask_b', 'subtask_c'],
      text: 'tweet',
      id: 'id',
      targets: ['offensive', 'hateful'],
      label: (c) => {
        const a = c('subtask_a', ['OFF', 'NOT']);
        // OLID's levels nest: B only applies to OFF, C only to TIN; anything else is a broken row.
        const b = c('subtask_b', a === 'OFF' ? ['TIN', 'UNT'] : ['NULL']);
        const t = c('subtask_c', b === 'TIN' ? ['IND', 'GRP', 'OTH'] : ['NULL']);
        return { offensive: flag(a === 'OFF'), hateful: flag(t === 'GRP') };
      },
    }),
  },
  'hatecheck-en': hatecheck('en', 'case_id', [
    '',
    'functionality',
    'case_id',
    'test_case',
    'label_gold',
    'target_ident',
    'direction',
    'focus_words',
    'focus_lemma',
    'ref_case_id',
    'ref_templ_id',
    'templ_id',
    'case_templ',
  ]),
  'multilingual-hatecheck-fr': hatecheck('fr', 'mhc_case_id', [
    'mhc_case_id',
    'functionality',
    'test_case',
    'label_gold',
    'target_ident',
    'ref_case_id',
    'ref_templ_id',
    'templ_id',
    'case_templ',
    'gender_male',
    'gender_female',
    'label_annotated',
    'label_annotated_maj',
    'disagreement_in_case',
    'disagreement_in_template',
  ]),
};

export const CORPORA: Record<CorpusName, CorpusInfo> = SPECS;

export const CORPUS_NAMES = Object.keys(SPECS) as CorpusName[];

function specFor(name: CorpusName, split: string): Spec {
  const spec = SPECS[name];
  if (!spec) throw new Error(`unknown corpus ${name}`);
  if (!spec.splits.includes(split))
    throw new Error(`${name} has no split ${split} (has ${spec.splits.join(', ')})`);
  return spec;
}

/** Targets a split actually carries (jigsaw's official_test_toxic_only has `toxic` only). */
export function targetsFor(name: CorpusName, split: string): string[] {
  return specFor(name, split).layout(split).targets;
}

export function datasetPath(dataRoot: string, name: CorpusName, split: string): string {
  return path.join(dataRoot, name, split + specFor(name, split).ext);
}

export async function loadCorpus(dataRoot: string, name: CorpusName, split: string): Promise<LabelledText[]> {
  const spec = specFor(name, split);
  const layout = spec.layout(split);
  const file = datasetPath(dataRoot, name, split);
  const { header, rows, lines } = parseRecords(await readFile(file, 'utf8'), {
    delimiter: spec.ext === '.tsv' ? '\t' : ',',
    quoting: spec.ext !== '.tsv',
  });
  if (header.join('\u0000') !== layout.columns.join('\u0000')) {
    throw new Error(
      `${file}:1: header ${JSON.stringify(header)}, expected ${JSON.stringify(layout.columns)}`,
    );
  }
  const out: LabelledText[] = [];
  for (let r = 0; r < rows.length; r++) {
    const row: Row = rows[r]!;
    const cell: Cell = (column, allowed) => {
      const v = row[column];
      const ok = typeof allowed === 'function' ? allowed : (x: string) => !allowed || allowed.includes(x);
      if (v === undefined || !ok(v)) {
        const domain = Array.isArray(allowed) ? `, expected one of ${allowed.join('|')}` : '';
        throw new Error(
          `${file}:${lines[r]}: column ${JSON.stringify(column)} = ${JSON.stringify(v)}${domain}`,
        );
      }
      return v;
    };
    const raw = cell(layout.text);
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text.trim() === '') throw new Error(`${file}:${lines[r]}: empty text`);
    const item: LabelledText = { text, lang: spec.lang, targets: layout.label(cell) };
    if (layout.group !== undefined) item.group = cell(layout.group);
    if (layout.id !== undefined) item.id = cell(layout.id);
    out.push(item);
  }
  return out;
}

export interface CorpusProvenance {
  corpus: CorpusName;
  split: string;
  folder: string;
  file: string;
  rows: number;
  sha256: string;
  describe: string;
}

/** Provenance record for a model card: where the split came from, how big it was, and its checksum. */
export async function describeCorpus(
  dataRoot: string,
  name: CorpusName,
  split: string,
  loaded?: LabelledText[],
): Promise<CorpusProvenance> {
  const file = datasetPath(dataRoot, name, split);
  const [rows, sha256] = await Promise.all([
    loaded ? loaded.length : loadCorpus(dataRoot, name, split).then((r) => r.length),
    sha256File(file),
  ]);
  return {
    corpus: name,
    split,
    folder: name,
    file: path.basename(file),
    rows,
    sha256,
    describe: SPECS[name].describe,
  };
}

export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('error', reject)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')));
  });
}
