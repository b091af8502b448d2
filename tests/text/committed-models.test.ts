/**
 * The text models committed under models/: each folder is complete, verified and scores through
 * onnxruntime-node. (Image heads, `vigil.image-head/1` manifests, are tested in tests/vision.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decide, loadTextClassifier, type TextClassifier } from '../../shared/text/classifier.js';
import { parseCard } from '../../shared/text/manifest.js';

const MODELS = path.resolve(import.meta.dirname, '../../models');
const folders = readdirSync(MODELS, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) => readdirSync(path.join(MODELS, d.name)).map((version) => path.join(d.name, version)))
  .filter((folder) => readdirSync(path.join(MODELS, folder)).includes('manifest.json'))
  .filter(
    (folder) =>
      JSON.parse(readFileSync(path.join(MODELS, folder, 'manifest.json'), 'utf8')).schema !==
      'vigil.image-head/1',
  );

const loaded = new Map<string, TextClassifier>();
async function classifier(name: string): Promise<TextClassifier> {
  const existing = loaded.get(name);
  if (existing) return existing;
  const created = await loadTextClassifier(path.join(MODELS, name, '1.0.0'));
  loaded.set(name, created);
  return created;
}
afterAll(async () => {
  for (const c of loaded.values()) await c.close();
});

describe('committed text models', () => {
  it('ships the four text models', () => {
    expect(folders.sort()).toEqual(
      ['hate-speech/1.0.0', 'language-id/1.0.0', 'toxicity-en/1.0.0', 'toxicity-fr/1.0.0'].sort(),
    );
  });

  it.each(folders)(
    '%s: checksum, manifest and card agree, and the card reports its evaluation',
    async (folder) => {
      const c = await classifier(folder.split('/')[0] as string);
      const card = parseCard(
        JSON.parse(readFileSync(path.join(MODELS, folder, 'card.json'), 'utf8')),
        folder,
      );
      expect([card.name, card.version]).toEqual([c.manifest.name, c.manifest.version]);
      expect(card.checksum.onnxSha256).toBe(c.manifest.model.sha256);
      expect(card.size.onnxBytes).toBeLessThanOrEqual(20 * 2 ** 20);
      expect(card.metrics.length).toBeGreaterThan(0);
      for (const source of card.data.evaluation) {
        expect(card.metrics.some((m) => m.dataset === source.corpus && m.split === source.split)).toBe(true);
      }
    },
  );

  it('toxicity-en: flags insults and threats, passes thanks and editing talk', async () => {
    const c = await classifier('toxicity-en');
    const head = c.manifest.heads[0]!;
    const texts = [
      'You are a stupid worthless idiot, shut up',
      'I will find you and kill you',
      'Thank you for fixing the citation, much appreciated.',
      'This article needs more sources about the 1998 election.',
    ];
    const labels = (await c.score(texts)).map((s) => decide(head, s.toxicity!));
    expect(labels[0]).toEqual(expect.arrayContaining(['toxic', 'insult']));
    expect(labels[1]).toEqual(expect.arrayContaining(['toxic', 'threat']));
    expect(labels.slice(2)).toEqual([[], []]);
  });

  it('toxicity-fr: ranks a French insult above thanks', async () => {
    const c = await classifier('toxicity-fr');
    const [insult, thanks] = await c.score([
      'Ta gueule, espèce de connard',
      'Merci beaucoup pour votre aide sur cet article',
    ]);
    expect(insult!.toxicity!.toxic).toBeGreaterThan(thanks!.toxicity!.toxic! + 0.3);
    expect(decide(c.manifest.heads[0]!, thanks!.toxicity!)).toEqual([]);
  });

  it('hate-speech: separates a French hateful generalisation from everyday French, with its French threshold', async () => {
    const c = await classifier('hate-speech');
    const hateful = c.manifest.heads.find((h) => h.name === 'hateful')!;
    const [hate, everyday] = await c.score([
      'Les musulmans sont tous des terroristes, il faut les expulser',
      "J'adore me promener au parc avec mes enfants",
    ]);
    expect(decide(hateful, hate!.hateful!, 'fr')).toEqual(['hateful']);
    expect(decide(hateful, everyday!.hateful!, 'fr')).toEqual([]);
    const davidson = hate!.davidson!;
    expect(Object.values(davidson).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it('language-id: routes English, French and other languages', async () => {
    const c = await classifier('language-id');
    const head = c.manifest.heads[0]!;
    const texts = {
      'I think this article is very interesting': 'en',
      'Bonjour, je pense que cet article est très intéressant': 'fr',
      'Ich denke, dieser Artikel ist sehr interessant': 'other',
      'Creo que este artículo es muy interesante': 'other',
      'Этот текст написан по-русски': 'other',
    };
    const scores = await c.score(Object.keys(texts));
    expect(scores.map((s) => decide(head, s.language!)[0])).toEqual(Object.values(texts));
  });

  it('batches concurrent calls into shared ONNX runs and hands each caller its own scores', async () => {
    const c = await classifier('toxicity-en');
    const texts = Array.from({ length: 150 }, (_, i) =>
      i % 3 === 0 ? `you idiot number ${i}` : `thanks for edit ${i}`,
    );
    const alone = [];
    for (const text of texts) alone.push((await c.score([text]))[0]);
    const together = await Promise.all(texts.map((text) => c.score([text]).then((r) => r[0])));
    // Padding to a batch's widest text changes float summation order, nothing more.
    const close = (a: unknown[], b: unknown[]) =>
      a.forEach((x, i) => {
        const [ax, bx] = [
          (x as { toxicity: Record<string, number> }).toxicity,
          (b[i] as { toxicity: Record<string, number> }).toxicity,
        ];
        for (const label of Object.keys(ax)) expect(ax[label]).toBeCloseTo(bx[label] as number, 5);
      });
    close(together, alone);
    const [mixed] = await Promise.all([
      c.score(texts.slice(0, 70)),
      c.score(['x'.repeat(c.manifest.limits.maxChars + 1)]).catch((e) => e),
    ]);
    close(mixed, alone.slice(0, 70));
  });

  it('refuses a text over the manifest limit instead of truncating it silently', async () => {
    const c = await classifier('toxicity-en');
    await expect(c.score(['x'.repeat(c.manifest.limits.maxChars + 1)])).rejects.toThrow(RangeError);
  });
});
