/** Sentence spans: hand-written expectations for EN/FR text, emoji and marks, capping, and random-text invariants. */
import { describe, expect, it } from 'vitest';
import { sentenceSpans, type TextSpan } from '../../shared/text/sentences.js';

const sentences = (text: string, maxSpans?: number): string[] =>
  sentenceSpans(text, { maxSpans }).map(({ begin, end }) => text.slice(begin, end));

const graphemes = new Intl.Segmenter('und', { granularity: 'grapheme' });
const isHigh = (unit: number) => unit >= 0xd800 && unit <= 0xdbff;
const isLow = (unit: number) => unit >= 0xdc00 && unit <= 0xdfff;
const LINE_BREAK = /[\n\r\u0085\u2028\u2029]/;

// Everything a correct result must satisfy whatever the text, so it can run on random input.
function checkInvariants(text: string, spans: TextSpan[], maxSpans = 100): void {
  const boundaries = new Set([...graphemes.segment(text)].map((g) => g.index).concat(text.length));
  expect(spans.length).toBeLessThanOrEqual(maxSpans);
  let previousEnd = 0;
  let covered = '';
  for (const { begin, end } of spans) {
    expect(begin).toBeGreaterThanOrEqual(previousEnd);
    expect(end).toBeGreaterThan(begin);
    expect(end).toBeLessThanOrEqual(text.length);
    expect(/^\s*$/.test(text.slice(previousEnd, begin)), 'only whitespace between spans').toBe(true);
    for (const at of [begin, end]) {
      expect(isHigh(text.charCodeAt(at - 1)) && isLow(text.charCodeAt(at)), `surrogate split at ${at}`).toBe(
        false,
      );
      expect(boundaries.has(at), `grapheme split at ${at}`).toBe(true);
    }
    const slice = text.slice(begin, end);
    expect(slice.trimEnd()).toBe(slice);
    // The one leading space allowed is the base of a cluster, e.g. " \u0301".
    if (slice.trimStart() !== slice) expect(slice).toMatch(/^\s[\p{M}\p{Emoji_Modifier}\u200c\u200d]/u);
    covered += slice;
    previousEnd = end;
  }
  expect(/^\s*$/.test(text.slice(previousEnd)), 'only whitespace after the last span').toBe(true);
  expect(covered.replace(/\s/g, '')).toBe(text.replace(/\s/g, ''));
}

describe('sentenceSpans', () => {
  it.each<[string, string, string[]]>([
    ['English', 'Hello world. How are you? Fine!', ['Hello world.', 'How are you?', 'Fine!']],
    ['French spaces before ! and ?', 'Bonjour ! Ça va ? Oui.', ['Bonjour !', 'Ça va ?', 'Oui.']],
    [
      'French narrow no-break spaces',
      'Bonjour\u202f! Ça va\u202f? Oui.',
      ['Bonjour\u202f!', 'Ça va\u202f?', 'Oui.'],
    ],
    ['guillemets', '« Bonjour ! » dit-il. Puis il part.', ['« Bonjour ! »', 'dit-il.', 'Puis il part.']],
    ['closing quote after !', 'He said "Stop!" Then left.', ['He said "Stop!"', 'Then left.']],
    ['opening quote', 'He said no. "Then what" she asked.', ['He said no.', '"Then what" she asked.']],
    ['parentheses', '(Yes.) Then no.', ['(Yes.)', 'Then no.']],
    ['English titles', 'Mr. Smith met Dr. Jones. They talked.', ['Mr. Smith met Dr. Jones.', 'They talked.']],
    [
      'French titles',
      'M. Dupont et Mme. Durand sont là. Bien.',
      ['M. Dupont et Mme. Durand sont là.', 'Bien.'],
    ],
    ['initials', 'J. K. Rowling wrote it. Yes.', ['J. K. Rowling wrote it.', 'Yes.']],
    ['a word ending like a title', 'I saw Omr. Then left.', ['I saw Omr.', 'Then left.']],
    ['lowercase after a period', 'Use e.g. this one. Next.', ['Use e.g. this one.', 'Next.']],
    ['decimals', 'It costs 3.50 euros. Cheap.', ['It costs 3.50 euros.', 'Cheap.']],
    ['ellipsis and ?!', 'Wait... What?! Yes', ['Wait...', 'What?!', 'Yes']],
    ['emoji', 'Bad 👍🏽 day. Café ñ. 👨‍👩‍👧 Family!', ['Bad 👍🏽 day.', 'Café ñ.', '👨‍👩‍👧 Family!']],
    ['emoji right after the stop', 'Great.👍🏽 Really.', ['Great.', '👍🏽 Really.']],
    ['flag', 'Vive la France 🇫🇷. Oui.', ['Vive la France 🇫🇷.', 'Oui.']],
    ['decomposed accents', 'Cafe\u0301 ici. E\u0301te\u0301.', ['Cafe\u0301 ici.', 'E\u0301te\u0301.']],
    ['mark on the stop', 'Fin.\u0301 Encore.', ['Fin.\u0301', 'Encore.']],
    ['mark on a leading space', ' \u0301x. Y', [' \u0301x.', 'Y']],
    [
      'newlines',
      'first line\nsecond line\n\n\nthird. Fourth',
      ['first line', 'second line', 'third.', 'Fourth'],
    ],
    ['CRLF and separators', 'a\r\nb\u2028c\u2029d', ['a', 'b', 'c', 'd']],
    ['a newline beats a title', 'Ask Mr.\nSmith', ['Ask Mr.', 'Smith']],
    ['surrounding whitespace', '  \t Hello.   World.  \n ', ['Hello.', 'World.']],
    ['no punctuation', 'just some words without an end', ['just some words without an end']],
    [
      'a sentence of 5,000 characters',
      `${'word '.repeat(1000)}end. Next.`,
      [`${'word '.repeat(1000)}end.`, 'Next.'],
    ],
    ['empty', '', []],
    ['whitespace only', ' \n\t\u00a0\r\n ', []],
  ])('%s', (_, text, expected) => {
    const spans = sentenceSpans(text);
    expect(spans.map(({ begin, end }) => text.slice(begin, end))).toEqual(expected);
    checkInvariants(text, spans);
  });

  it('gives offsets into the original text in UTF-16 code units', () => {
    expect(sentenceSpans('👍🏽 Hi. Yo')).toEqual([
      { begin: 0, end: 8 },
      { begin: 9, end: 11 },
    ]);
    expect(sentenceSpans('  one')).toEqual([{ begin: 2, end: 5 }]);
  });

  describe('maxSpans', () => {
    it.each<[number, string[]]>([
      [1, ['One. Two.\n\nThree! Four?']],
      [2, ['One.', 'Two.\n\nThree! Four?']],
      [3, ['One.', 'Two.', 'Three! Four?']],
      [4, ['One.', 'Two.', 'Three!', 'Four?']],
      [5, ['One.', 'Two.', 'Three!', 'Four?']],
    ])('caps at %i with the last span taking the rest', (maxSpans, expected) => {
      const text = ' One. Two.\n\nThree! Four?\n  ';
      expect(sentences(text, maxSpans)).toEqual(expected);
      checkInvariants(text, sentenceSpans(text, { maxSpans }), maxSpans);
    });

    it('defaults to 100', () => {
      const all = Array.from({ length: 150 }, (_, i) => `Sentence ${i + 1}.`);
      const spans = sentences(all.join(' '));
      expect(spans).toHaveLength(100);
      expect(spans.slice(0, 99)).toEqual(all.slice(0, 99));
      expect(spans[99]).toBe(all.slice(99).join(' '));
    });

    it.each([0, -1, 1.5, Number.NaN])('rejects %s', (maxSpans) => {
      expect(() => sentenceSpans('A. B.', { maxSpans })).toThrow(RangeError);
    });
  });

  it('keeps a long line whole where a period is followed by digits then lowercase', () => {
    // ICU decides "ab. 1 2 …" only once it reaches "cd"; wherever a chunk boundary falls, that must hold.
    const sentence = `ab. ${'1 2 3 4 5 6 7 8 9 '.repeat(3)}cd!`;
    expect(sentences(Array(300).fill(sentence).join(' '), 1000)).toEqual(Array(300).fill(sentence));
  });

  it('matches Intl.Segmenter on long lines free of abbreviations and closers', () => {
    // Lines longer than the splitter's window, from characters its own rules leave to ICU.
    const alphabet = [
      'a',
      'b',
      'é',
      'e\u0301',
      '👍🏽',
      '1',
      '(',
      '.',
      '.',
      '!',
      '?',
      '…',
      ' ',
      ' ',
      ' ',
      '\u00a0',
    ];
    const sentencesOf = new Intl.Segmenter('und', { granularity: 'sentence' });
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let run = 0; run < 10; run++) {
      const pieces = Array.from({ length: 3000 }, () =>
        random() < 0.001 ? '\n' : alphabet[Math.floor(random() * alphabet.length)]!,
      );
      const text = pieces.join('');
      const expected = [...sentencesOf.segment(text)].map((s) => s.segment.trim()).filter(Boolean);
      expect(sentences(text, 10_000)).toEqual(expected);
    }
  });

  it('keeps its invariants on random text', () => {
    const alphabet = ['a', 'b', 'Z', 'é', 'M', 'r', '.', '!', '?', ' ', ' ', '\u00a0', '\n', '\r', '»', '"'];
    const clusters = ['👍🏽', '👨‍👩‍👧', '🇫🇷', '\u0301', '\u0327', '\u200d', '\ufe0f', 'e\u0301'];
    // A fixed-seed generator keeps failures reproducible.
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pick = (items: string[]) => items[Math.floor(random() * items.length)]!;
    for (let run = 0; run < 400; run++) {
      const length = Math.floor(random() * 60);
      const text = Array.from({ length }, () => pick(random() < 0.2 ? clusters : alphabet)).join('');
      const spans = sentenceSpans(text);
      checkInvariants(text, spans);
      for (const { begin, end } of spans)
        expect(LINE_BREAK.test(text.slice(begin, end)), JSON.stringify(text)).toBe(false);
      const maxSpans = 1 + Math.floor(random() * 4);
      const capped = sentenceSpans(text, { maxSpans });
      checkInvariants(text, capped, maxSpans);
      if (spans.length > maxSpans) {
        expect(capped.slice(0, -1)).toEqual(spans.slice(0, maxSpans - 1));
        expect(capped.at(-1)).toEqual({ begin: spans[maxSpans - 1]!.begin, end: spans.at(-1)!.end });
      } else expect(capped).toEqual(spans);
    }
  });
});
