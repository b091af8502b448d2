/** Text normalisation before hashing: each transform is a switch, kept only where held-out metrics improve. */
import { z } from 'zod';

export const NormalizerSpecSchema = z
  .object({
    nfkc: z.boolean().describe('Unicode NFKC: full-width and stylised letters become plain ones'),
    lowercase: z.boolean(),
    foldAccents: z.boolean().describe('é → e (drops combining marks after NFD)'),
    placeholders: z.boolean().describe('URLs → " xurl ", @mentions → " xuser ", numbers → " xnum "'),
    squashRepeats: z.boolean().describe('a letter repeated 3+ times is kept twice: "soooo" → "soo"'),
    deobfuscate: z
      .boolean()
      .describe(
        'leetspeak inside words ("1d10t" → "idiot", "sh!t" → "shit") and spaced letters ("f u c k" → "fuck")',
      ),
  })
  .strict();
export type NormalizerSpec = z.infer<typeof NormalizerSpecSchema>;

export const DEFAULT_NORMALIZER: NormalizerSpec = {
  nfkc: true,
  lowercase: true,
  foldAccents: false,
  placeholders: true,
  squashRepeats: true,
  deobfuscate: true,
};

// Printable ASCII and whitespace: NFKC and accent folding leave such text unchanged.
const ASCII = /^[\t\n\r -~]*$/;
const DIGIT = /\d/;
const URL_HINT = /http|www\./i;
// A letter next to a digit or symbol that can stand for one.
const STAND_IN = /\p{L}[\d@$!|*]|[\d@$!|*]\p{L}/u;
const URL = /\b(?:https?:\/\/|www\.)\S+/giu;
const EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/gu;
// A mention starts a word: the '@' in "b@stard" is a letter, not a mention.
const MENTION = /(?<![\p{L}\p{N}_])@\w+/gu;
const NUMBER = /(?<![\p{L}\d])\d+(?:[.,]\d+)*(?![\p{L}\d])/gu;
const REPEATS = /(\p{L})\1{2,}/gu;
const COMBINING = /\p{M}+/gu;
// Four or more single letters separated by one space or dot: "f u c k", "s.h.i.t". Not three, so
// French "il y a à faire" keeps its words.
const SPACED = /(?<!\p{L})\p{L}(?:[ .]\p{L}){3,}(?!\p{L})/gu;
// A token mixing letters with digits/symbols that stand for letters.
const LEET_TOKEN = /[\p{L}\d@$!|*]*\p{L}[\p{L}\d@$!|*]*/gu;
const LEET: Record<string, string> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '@': 'a',
  $: 's',
  '!': 'i',
  '|': 'i',
};

/** Normalises one text. Pure and deterministic: training and serving call the same function. */
export function normalizeText(text: string, spec: NormalizerSpec): string {
  // Cheap tests first: most comments have no URL, '@', digit or stand-in, and scoring speed matters.
  const ascii = ASCII.test(text);
  let s = spec.nfkc && !ascii ? text.normalize('NFKC') : text;
  if (spec.placeholders) {
    if (URL_HINT.test(s)) s = s.replace(URL, ' xurl ');
    if (s.includes('@')) s = s.replace(EMAIL, ' xemail ').replace(MENTION, ' xuser ');
  }
  if (spec.lowercase) s = s.toLowerCase();
  if (spec.foldAccents && !ascii) s = s.normalize('NFD').replace(COMBINING, '').normalize('NFC');
  if (spec.deobfuscate) {
    s = s.replace(SPACED, (m) => m.replace(/[ .]/g, ''));
    if (STAND_IN.test(s)) s = s.replace(LEET_TOKEN, deleet);
  }
  if (spec.placeholders && DIGIT.test(s)) s = s.replace(NUMBER, ' xnum ');
  if (spec.squashRepeats) s = s.replace(REPEATS, '$1$1');
  return s;
}

// A number with a suffix ("1st", "4th", "10k", "2ème") or a word with a number ("covid19", "mp3")
// keeps its meaning; letters mixed with stand-ins ("1d10t", "sh!t", "n00b") are rewritten.
const NUMBER_AND_WORD = /^(?:\d+\p{L}+|\p{L}+\d+)$/u;

function deleet(token: string): string {
  let letters = 0;
  let substitutes = 0;
  for (const ch of token) {
    if (ch in LEET) substitutes++;
    else if (/\p{L}/u.test(ch)) letters++;
  }
  if (substitutes === 0 || letters < 2 || NUMBER_AND_WORD.test(token)) return token;
  // A trailing "!" is punctuation, not an "i".
  const core = token.replace(/!+$/, '');
  let out = '';
  for (const ch of core) out += LEET[ch] ?? ch;
  return out + token.slice(core.length);
}
