/** Small labelled text sets for the MLOps tests, generated from templates so none needs ../shared/data. */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeModelFolder } from '../../shared/text/classifier.js';
import { tinyFeatures, tinyModelContents, trainTinyToxicity } from '../support/tiny-model.js';

const INSULT_ADJ = [
  'stupid',
  'pathetic',
  'worthless',
  'dumb',
  'ignorant',
  'clueless',
  'useless',
  'disgusting',
];
const INSULT_NOUN = ['idiot', 'moron', 'loser', 'clown', 'fool', 'troll'];
const INSULT_FRAME = ['you are a {a} {n}', 'what a {a} {n}', 'shut up you {a} {n}', 'go away, {a} {n}'];
const KIND_ADJ = ['lovely', 'great', 'helpful', 'kind', 'wonderful', 'clear', 'nice', 'thoughtful'];
const KIND_NOUN = ['idea', 'edit', 'article', 'photo', 'review', 'comment'];
const KIND_FRAME = [
  'thank you for the {a} {n}',
  'what a {a} {n}',
  'I really like this {a} {n}',
  'such a {a} {n}, well done',
];

export interface Row {
  text: string;
  toxic: 0 | 1;
}

function expand(adjs: string[], nouns: string[], frames: string[], toxic: 0 | 1): Row[] {
  const out: Row[] = [];
  for (const f of frames)
    for (const a of adjs)
      for (const n of nouns) out.push({ text: f.replace('{a}', a).replace('{n}', n), toxic });
  return out;
}

/** 192 insults and 192 friendly sentences, interleaved, split by position into disjoint sets. */
export function generatedRows(): Row[] {
  const insults = expand(INSULT_ADJ, INSULT_NOUN, INSULT_FRAME, 1);
  const kind = expand(KIND_ADJ, KIND_NOUN, KIND_FRAME, 0);
  return insults.flatMap((row, i) => [row, kind[i] as Row]);
}

/** Disjoint sets: base training rows, a good upload, evaluation rows. */
export function splits(): { base: Row[]; upload: Row[]; evaluation: Row[]; rest: Row[] } {
  const rows = generatedRows();
  const pick = (k: number) => rows.filter((_, i) => i % 8 === k || i % 8 === k + 1);
  return { base: pick(0), upload: [...pick(2), ...pick(4)], evaluation: pick(6), rest: rows };
}

export function toCsv(rows: readonly Row[], columns: 'full' | 'no-label' = 'full'): Buffer {
  const header = columns === 'full' ? 'text,toxic' : 'text';
  const lines = rows.map((r) =>
    columns === 'full' ? `"${r.text.replaceAll('"', '""')}",${r.toxic}` : `"${r.text}"`,
  );
  return Buffer.from(`${header}\n${lines.join('\n')}\n`);
}

/**
 * A weak `toxicity-en` 1.0.0 champion: trained on two sentences per class, so a candidate trained on
 * the generated sets beats it on their evaluation rows.
 */
export async function writeWeakChampion(modelsDir: string): Promise<void> {
  const features = tinyFeatures({ buckets: 2 ** 12 });
  const insults = ['you are a stupid idiot', 'shut up you fool'];
  const friendly = ['thank you for the lovely idea', 'I really like this photo'];
  const model = trainTinyToxicity(features, insults, friendly);
  const dir = join(modelsDir, 'toxicity-en', '1.0.0');
  await mkdir(dir, { recursive: true });
  await writeModelFolder(
    dir,
    tinyModelContents({
      model,
      features,
      name: 'toxicity-en',
      version: '1.0.0',
      file: 'tests/mlops/fixtures.ts',
      rows: 4,
    }),
  );
}
