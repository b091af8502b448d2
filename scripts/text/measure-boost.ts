/**
 * `npm run measure:boost`: does seed 001's pattern post-processing help vigil's hate-speech model?
 * Scores every hate-speech test split and HateCheck with and without it, at the shipped per-language
 * thresholds, and prints F1 / accuracy side by side. The verdict rule: on only if pooled F1 over the
 * natural test splits improves and no split loses more than 0.01 F1 (HateCheck is reported, not used
 * to decide: its templates are exactly the phrasing such patterns are written from).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { patternBoost } from '../../functions/hate-speech/boost.js';
import type { HateScore } from '../../functions/hate-speech/detector.js';
import { classificationReport } from '../../shared/ml/metrics.js';
import { loadTextClassifier, thresholdOf } from '../../shared/text/classifier.js';
import { CORPORA, type CorpusName, loadCorpus } from './corpora.js';
import { DATA_ROOT, modelDir } from './paths.js';

const NATURAL: CorpusName[] = [
  'davidson-hate-speech-en',
  'hatexplain-en',
  'olid-offenseval2019-en',
  'french-hate-speech-superset',
];
const SUITES: CorpusName[] = ['hatecheck-en', 'multilingual-hatecheck-fr'];

interface Row {
  set: string;
  rows: number;
  f1Off: number;
  f1On: number;
  accuracyOff: number;
  accuracyOn: number;
  boosted: number;
}

export async function measureBoost(): Promise<{ rows: Row[]; enable: boolean }> {
  const classifier = await loadTextClassifier(modelDir('hate-speech', '1.0.0'));
  const head = classifier.manifest.heads.find((h) => h.name === 'hateful');
  if (head?.activation !== 'sigmoid') throw new Error('hate-speech has no sigmoid hateful head');
  const rows: Row[] = [];
  const pooled = { off: { tp: 0, fp: 0, fn: 0 }, on: { tp: 0, fp: 0, fn: 0 } };
  for (const corpus of [...NATURAL, ...SUITES]) {
    const data = await loadCorpus(DATA_ROOT, corpus, 'test');
    const language = CORPORA[corpus].lang;
    const threshold = thresholdOf(head, 'hateful', language);
    const scores = await classifier.score(
      data.map((r) => r.text.slice(0, classifier.manifest.limits.maxChars)),
    );
    const actual = data.map((r) => r.targets.hateful as number);
    const off: number[] = [];
    const on: number[] = [];
    let boosted = 0;
    scores.forEach((s, i) => {
      const probability = s.hateful?.hateful as number;
      const score: HateScore = { probability, threshold, language, model: 'local', remote: false };
      const b = patternBoost(data[i]!.text, score);
      if (b.applied) boosted++;
      off.push(probability >= threshold ? 1 : 0);
      on.push(b.probability >= threshold ? 1 : 0);
    });
    const rOff = classificationReport(actual, off, ['not_hateful', 'hateful']);
    const rOn = classificationReport(actual, on, ['not_hateful', 'hateful']);
    rows.push({
      set: corpus,
      rows: data.length,
      f1Off: rOff.perClass[1]!.f1,
      f1On: rOn.perClass[1]!.f1,
      accuracyOff: rOff.accuracy,
      accuracyOn: rOn.accuracy,
      boosted,
    });
    if (NATURAL.includes(corpus)) {
      for (const [key, predicted] of [
        ['off', off],
        ['on', on],
      ] as const) {
        predicted.forEach((p, i) => {
          const y = actual[i];
          if (p === 1 && y === 1) pooled[key].tp++;
          else if (p === 1) pooled[key].fp++;
          else if (y === 1) pooled[key].fn++;
        });
      }
    }
  }
  await classifier.close();
  const f1 = (c: { tp: number; fp: number; fn: number }) => (2 * c.tp) / (2 * c.tp + c.fp + c.fn);
  const natural = rows.filter((r) => NATURAL.includes(r.set as CorpusName));
  const enable = f1(pooled.on) > f1(pooled.off) && natural.every((r) => r.f1On >= r.f1Off - 0.01);
  rows.push({
    set: 'pooled natural test splits',
    rows: natural.reduce((a, r) => a + r.rows, 0),
    f1Off: f1(pooled.off),
    f1On: f1(pooled.on),
    accuracyOff: Number.NaN,
    accuracyOn: Number.NaN,
    boosted: natural.reduce((a, r) => a + r.boosted, 0),
  });
  return { rows, enable };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const { rows, enable } = await measureBoost();
  const n = (x: number) => (Number.isNaN(x) ? '—' : x.toFixed(4));
  console.log('| set | rows | boosted | hateful F1 off | on | accuracy off | on |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(
      `| ${r.set} | ${r.rows} | ${r.boosted} | ${n(r.f1Off)} | ${n(r.f1On)} | ${n(r.accuracyOff)} | ${n(r.accuracyOn)} |`,
    );
  }
  console.log(
    `\nverdict: ${enable ? 'ON — it helps on the natural test splits' : 'OFF — it does not help on the natural test splits'}`,
  );
}
