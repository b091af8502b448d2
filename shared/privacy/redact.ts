/** PII detection/redaction for request text; a URL with credentials is redacted whole, as its path and query often hold tokens too. */
import { createRequire } from 'node:module';
import { countrySpecs, isValidIBAN } from 'ibantools';
import { type CountryCode, findPhoneNumbersInText } from 'libphonenumber-js';
import validator from 'validator';

export type PiiKind = 'email' | 'phone' | 'iban' | 'card' | 'ip' | 'url_credentials' | 'person';
export const PII_KINDS: readonly PiiKind[] = [
  'email',
  'phone',
  'iban',
  'card',
  'ip',
  'url_credentials',
  'person',
];
export interface PiiSpan {
  kind: PiiKind;
  start: number;
  end: number;
}
export interface RedactionResult {
  text: string;
  spans: PiiSpan[];
}
type Language = 'en' | 'fr';
export interface RedactOptions {
  kinds?: readonly PiiKind[];
  languages?: readonly Language[];
}

const PLACEHOLDER: Record<PiiKind, string> = {
  email: '[EMAIL]',
  phone: '[PHONE]',
  iban: '[IBAN]',
  card: '[CARD]',
  ip: '[IP]',
  url_credentials: '[URL_CREDENTIALS]',
  person: '[PERSON]',
};

const DEFAULT_LANGUAGES: readonly Language[] = ['en', 'fr'];

export function redactPii(text: string, options?: RedactOptions): RedactionResult {
  const spans = findPii(text, options);
  let out = '';
  let cursor = 0;
  for (const span of spans) {
    out += text.slice(cursor, span.start) + PLACEHOLDER[span.kind];
    cursor = span.end;
  }
  return { text: out + text.slice(cursor), spans };
}

/**
 * Detectors run in priority order on a progressively masked copy of the text (accepted spans become
 * spaces, keeping offsets): a later, weaker detector can never claim text an earlier one explained, e.g.
 * phone numbers libphonenumber would find inside IBAN digits, IPs or card numbers, or the `user@host`
 * inside a credential URL looking like an email. All structural detectors run even when their kind is not
 * requested, so that masking still protects the requested ones.
 */
export function findPii(text: string, options?: RedactOptions): PiiSpan[] {
  const kinds = new Set(options?.kinds ?? PII_KINDS);
  const languages = options?.languages ?? DEFAULT_LANGUAGES;
  const ctx: Ctx = { masked: text, spans: [] };
  const detectors: [PiiKind, (ctx: Ctx) => void][] = [
    ['url_credentials', detectUrlCredentials],
    ['email', detectEmails],
    ['iban', detectIbans],
    ['card', detectCards],
    ['ip', detectIps],
    ['phone', (c) => detectPhones(c, languages)],
    ['person', (c) => detectPersons(c, languages)],
  ];
  for (const [kind, detect] of detectors) {
    // Person detection runs last, so nothing depends on its masking: skip it when not requested.
    if (kind === 'person' && !kinds.has('person')) continue;
    detect(ctx);
  }
  return ctx.spans.filter((s) => kinds.has(s.kind)).sort((a, b) => a.start - b.start);
}

interface Ctx {
  masked: string;
  spans: PiiSpan[];
}

/** Accepts a span unless it overlaps an accepted one, then blanks it so later detectors cannot see it. */
function accept(ctx: Ctx, kind: PiiKind, start: number, end: number): boolean {
  if (end <= start) return false;
  for (const s of ctx.spans) if (start < s.end && s.start < end) return false;
  ctx.spans.push({ kind, start, end });
  ctx.masked = ctx.masked.slice(0, start) + ' '.repeat(end - start) + ctx.masked.slice(end);
  return true;
}

// ---------------------------------------------------------------------------------------------------------
// URLs with userinfo, emails

// `[^\s/?#]*@` backtracks to the LAST @ of the authority, so a password containing @ stays inside the URL.
const URL_CREDENTIALS_RE = /\b[a-z][a-z0-9+.-]*:\/\/[^\s/?#@][^\s/?#]*@[^\s<>"']+/gi;
const TRAILING_PUNCT_RE = /[.,;:!?)\]}>]+$/;

function detectUrlCredentials(ctx: Ctx): void {
  if (!ctx.masked.includes('://')) return;
  for (const m of ctx.masked.matchAll(URL_CREDENTIALS_RE)) {
    const url = m[0].replace(TRAILING_PUNCT_RE, '');
    accept(ctx, 'url_credentials', m.index, m.index + url.length);
  }
}

const EMAIL_RE =
  /(?<![\w.%+-])[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,}(?![\w-])/g;

function detectEmails(ctx: Ctx): void {
  if (!ctx.masked.includes('@')) return;
  for (const m of ctx.masked.matchAll(EMAIL_RE)) {
    if (validator.isEmail(m[0])) accept(ctx, 'email', m.index, m.index + m[0].length);
  }
}

// ---------------------------------------------------------------------------------------------------------
// IBANs and payment cards

// Country code + check digits, then alphanumerics with optional single spaces; cut to the country's length.
const IBAN_CANDIDATE_RE = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,32}/g;

function detectIbans(ctx: Ctx): void {
  for (const m of ctx.masked.matchAll(IBAN_CANDIDATE_RE)) {
    const spec = countrySpecs[m[0].slice(0, 2)];
    const length = spec?.chars;
    if (!length) continue;
    // Walk the original characters until `length` alphanumerics are consumed: the IBAN ends there, and
    // must end on a token boundary (no half-words swallowed from a following uppercase word).
    let compact = '';
    let end = 0;
    for (const ch of m[0]) {
      end += 1;
      if (ch !== ' ') compact += ch;
      if (compact.length === length) break;
    }
    if (compact.length !== length) continue;
    const after = ctx.masked.charAt(m.index + end);
    if (/[A-Za-z0-9]/.test(after)) continue;
    if (isValidIBAN(compact)) accept(ctx, 'iban', m.index, m.index + end);
  }
}

// Digit groups joined by a single space or dash; windows of 13–19 digits inside are then Luhn-checked.
const DIGIT_RUN_RE = /(?<![\p{L}\d])\d+(?:[ -]\d+)*(?![\p{L}\d])/gu;

function detectCards(ctx: Ctx): void {
  for (const m of ctx.masked.matchAll(DIGIT_RUN_RE)) {
    const run = m[0];
    const digitCount = run.length - (run.match(/[ -]/g)?.length ?? 0);
    if (digitCount < 13) continue;
    const groups: { start: number; end: number }[] = [];
    for (const g of run.matchAll(/\d+/g)) groups.push({ start: g.index, end: g.index + g[0].length });
    findCardWindows(ctx, run, m.index, groups);
  }
}

/**
 * Windows of contiguous groups holding 13–19 digits, longest first, so a card followed or preceded by
 * another number is still found. A window spans at most 19 groups, which keeps this linear in the run.
 */
function findCardWindows(
  ctx: Ctx,
  run: string,
  offset: number,
  groups: { start: number; end: number }[],
): void {
  const windows: { start: number; end: number; digits: string }[] = [];
  for (let i = 0; i < groups.length; i++) {
    let digits = '';
    for (let j = i; j < groups.length && digits.length < 19; j++) {
      const g = groups[j]!;
      // Card numbers are printed in blocks of 4 (Amex 4-6-5); tiny inner blocks are phone numbers or lists.
      if (j > i && groups[j - 1]!.end - groups[j - 1]!.start < 3) break;
      digits += run.slice(g.start, g.end);
      if (digits.length >= 13 && digits.length <= 19)
        windows.push({ start: groups[i]!.start, end: g.end, digits });
    }
  }
  windows.sort((x, y) => y.end - y.start - (x.end - x.start));
  for (const w of windows) {
    // Major industry identifiers 2–6 cover Mastercard, Amex/Diners/JCB, Visa, Discover/UnionPay/Maestro.
    if (/^[2-6]/.test(w.digits) && luhnValid(w.digits)) accept(ctx, 'card', offset + w.start, offset + w.end);
  }
}

function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

// ---------------------------------------------------------------------------------------------------------
// IP addresses

const IPV6_CANDIDATE_RE =
  /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{0,4})(?![\w:])/g;
const IPV4_RE =
  /(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?!\d|\.\d)/g;
// A dotted quad introduced as a version ("v2.10.0.1", "version 1.2.3.4", "build 10.4.2.1") is not an
// address; anywhere else it is treated as one, as the safer reading of an ambiguous string.
const VERSION_PREFIX_RE = /(?:\bv|\bver\.?|\bversions?|\bbuild|\brelease|\bfirmware|\brev\.?)\s*$/i;

function detectIps(ctx: Ctx): void {
  if (ctx.masked.includes(':')) {
    for (const m of ctx.masked.matchAll(IPV6_CANDIDATE_RE)) {
      if (validator.isIP(m[0], 6)) accept(ctx, 'ip', m.index, m.index + m[0].length);
    }
  }
  for (const m of ctx.masked.matchAll(IPV4_RE)) {
    if (VERSION_PREFIX_RE.test(ctx.masked.slice(Math.max(0, m.index - 12), m.index))) continue;
    accept(ctx, 'ip', m.index, m.index + m[0].length);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Phone numbers

const PHONE_HINTS: Record<Language, CountryCode[]> = { fr: ['FR'], en: ['GB', 'US'] };
// North American numbers dialled nationally: (415) 555-2671, 415-555-2671, 202.555.0199, 1-800-555-0199.
const NANP_RE = /^(?:1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-]?)\d{3}[\s.-]?\d{4}$/;
// Local US numbers without area code are too short for libphonenumber; only the dashed form is distinctive.
const US_LOCAL_RE = /(?<![\d-])[2-9]\d{2}-\d{4}(?![\d-])/g;

// Stretches of digits and phone punctuation: libphonenumber's scan over a whole comment costs ~0.3 ms
// per country hint, over these short windows a few microseconds.
const PHONE_WINDOW_RE = /(?:\+|\(\+?)?\d[\d \t()./-]*\d\)?/g;

function detectPhones(ctx: Ctx, languages: readonly Language[]): void {
  const found: { start: number; end: number }[] = [];
  // libphonenumber costs ~30 ms per KB of degenerate digit soup ("1 1 1 1 …"), ~1 ms per KB of real
  // phone lists: windows made mostly of single digits are skipped, and a budget bounds the rest.
  let budget = PHONE_SCAN_BUDGET;
  for (const w of ctx.masked.matchAll(PHONE_WINDOW_RE)) {
    if (countDigits(w[0]) < 7 || mostlySingleDigits(w[0])) continue;
    budget -= w[0].length;
    if (budget < 0) break;
    // A phone number spans at most ~30 characters: overlapping 80-character chunks see every one whole
    // and keep a pathological digit soup from reaching libphonenumber in one piece.
    for (let from = 0; from < w[0].length; from += 40) {
      const chunk = w[0].slice(from, from + 80);
      const base = w.index + from;
      for (const lang of languages) {
        for (const country of PHONE_HINTS[lang]) {
          // `extended` = possible rather than valid numbers: reserved or unallocated ranges (07700 900xxx)
          // are still someone's number in a comment; plausiblePhone() supplies the precision instead.
          for (const m of findPhoneNumbersInText(chunk, { defaultCountry: country, extended: true })) {
            const start = base + m.startsAt;
            const end = base + m.endsAt;
            if (plausiblePhone(ctx.masked, start, end, country)) found.push({ start, end });
          }
        }
      }
      if (from + 80 >= w[0].length) break;
    }
  }
  if (languages.includes('en')) {
    for (const m of ctx.masked.matchAll(US_LOCAL_RE))
      found.push({ start: m.index, end: m.index + m[0].length });
  }
  // Several hints can find the same number with different extents: keep the longest.
  found.sort((a, b) => b.end - b.start - (a.end - a.start));
  for (const f of found) accept(ctx, 'phone', f.start, f.end);
}

const PHONE_SCAN_BUDGET = 4096;

function mostlySingleDigits(window: string): boolean {
  const groups = window.match(/\d+/g) ?? [];
  return groups.length >= 5 && groups.filter((g) => g.length === 1).length * 2 > groups.length;
}

function countDigits(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}

/**
 * libphonenumber happily reads order numbers and dates as national numbers of the hint country (e.g.
 * "2023-00457" as a French number without its trunk 0). A national number must therefore look dialled:
 * trunk prefix 0 for FR/GB, NANP grouping for US; international ones (+, 00) are trusted.
 */
function plausiblePhone(text: string, start: number, end: number, country: CountryCode): boolean {
  const raw = text.slice(start, end);
  const before = text.charAt(start - 1);
  const after = text.charAt(end);
  if (/[\p{L}\d_/#-]/u.test(before) || /[\p{L}\d/-]/u.test(after)) return false;
  if (/^(?:\+|00|\(\+)/.test(raw)) return true;
  if (country === 'US') return NANP_RE.test(raw);
  return /^\(?0/.test(raw);
}

// ---------------------------------------------------------------------------------------------------------
// Person names

/**
 * Names come from gazetteers plus context, not from compromise's tagger: `nlp(text).people()` costs
 * ~2.5 ms for a 300-character comment, over budget for every request. compromise is still loaded (once,
 * lazily, ~200 ms) for its lexicon of ~3,000 English first names and its place/month/organisation words.
 */
interface NameLexicon {
  first: Set<string>;
  ambiguous: Set<string>;
  nonName: Set<string>;
  known: Set<string>;
}

const lexiconCache = new Map<string, NameLexicon>();
let compromiseLexicon: Record<string, string | string[]> | undefined;

function loadCompromiseLexicon(): Record<string, string | string[]> {
  if (!compromiseLexicon) {
    // Synchronous require keeps findPii synchronous; the CJS build is what `require` resolves to.
    const require = createRequire(import.meta.url);
    const nlp = require('compromise/two') as {
      model(): { one: { lexicon: Record<string, string | string[]> } };
    };
    compromiseLexicon = nlp.model().one.lexicon;
  }
  return compromiseLexicon;
}

const NAME_TAGS = new Set(['MaleName', 'FemaleName', 'FirstName']);
const NON_NAME_TAGS = new Set([
  'City',
  'Country',
  'Region',
  'Place',
  'WeekDay',
  'Month',
  'Organization',
  'SportsTeam',
  'Determiner',
  'Preposition',
  'Conjunction',
  'Pronoun',
  'Modal',
  'Copula',
  'QuestionWord',
  'Expression',
  'Demonym',
  'Currency',
]);

function nameLexicon(languages: readonly Language[]): NameLexicon {
  const key = [...languages].sort().join(',');
  const cached = lexiconCache.get(key);
  if (cached) return cached;
  const lex: NameLexicon = {
    first: new Set(INTERNATIONAL_FIRST_NAMES),
    ambiguous: new Set(AMBIGUOUS_NAMES),
    nonName: new Set(COMMON_NON_NAMES),
    known: new Set(),
  };
  const compromise = loadCompromiseLexicon();
  for (const [word, tagOrTags] of Object.entries(compromise)) {
    const tags = typeof tagOrTags === 'string' ? [tagOrTags] : tagOrTags;
    lex.known.add(word);
    if (tags.some((t) => NON_NAME_TAGS.has(t))) lex.nonName.add(word);
    else if (tags.includes('Person')) lex.ambiguous.add(word);
    else if (languages.includes('en') && tags.some((t) => NAME_TAGS.has(t))) lex.first.add(word);
  }
  if (languages.includes('fr')) {
    for (const n of FRENCH_FIRST_NAMES) lex.first.add(n);
    for (const w of FRENCH_NON_NAMES) {
      lex.nonName.add(w);
      lex.known.add(w);
    }
  }
  for (const w of lex.ambiguous) lex.first.delete(w);
  for (const w of lex.nonName) lex.first.delete(w);
  lexiconCache.set(key, lex);
  return lex;
}

interface TitleWords {
  honorifics: Set<string>;
  abbreviations: Set<string>;
  cues: RegExp[];
}
const titleWordsCache = new Map<string, TitleWords>();

/** Honorifics, their abbreviations and name cues of the given languages, built once per language set. */
function titleWords(languages: readonly Language[]): TitleWords {
  const key = languages.join(',');
  let words = titleWordsCache.get(key);
  if (!words) {
    words = { honorifics: new Set(), abbreviations: new Set(), cues: [] };
    for (const lang of languages) {
      for (const h of HONORIFICS[lang].words) words.honorifics.add(h);
      for (const h of HONORIFICS[lang].abbreviations) words.abbreviations.add(h);
      words.cues.push(CUES[lang]);
    }
    titleWordsCache.set(key, words);
  }
  return words;
}

interface Token {
  text: string;
  key: string; // lowercase, accents stripped, possessive removed
  start: number;
  end: number;
  cap: boolean;
  sentenceStart: boolean;
  gapBefore: string;
}

const WORD_RE = /\p{L}[\p{L}\p{M}'’-]*/gu;
// "I’m", "Don't": a lowercase letter after the apostrophe is a contraction, unlike O'Brien or D'Souza.
const CONTRACTION_RE = /^\p{L}+['’]\p{Ll}{1,2}$/u;

const APOSTROPHE_OR_HYPHEN = /['’-]/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let prevEnd = 0;
  for (const m of text.matchAll(WORD_RE)) {
    let word = m[0];
    // Most words have no apostrophe or hyphen: skip the two regexes for them.
    if (APOSTROPHE_OR_HYPHEN.test(word)) word = word.replace(/['’-]+$/, '').replace(/['’]s$/i, '');
    const gapBefore = text.slice(prevEnd, m.index);
    const first = word.charAt(0);
    const rest = word.slice(1);
    tokens.push({
      text: word,
      key: fold(word),
      start: m.index,
      end: m.index + word.length,
      // All-caps words (IBAN, SAV, TGV) are acronyms, not names.
      cap: first !== first.toLowerCase() && (rest === '' || rest !== rest.toUpperCase()),
      sentenceStart: tokens.length === 0 || /[.!?:\n]/.test(gapBefore),
      gapBefore,
    });
    prevEnd = m.index + m[0].length;
  }
  return tokens;
}

const ASCII_WORD = /^[\x20-\x7e]*$/;

function fold(word: string): string {
  // ASCII has no marks to strip and no ’ to map: most words of most comments take this path.
  if (ASCII_WORD.test(word)) return word.toLowerCase();
  return word.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/’/g, "'");
}

/** Names are written as adjacent words: one space (or a hyphen already inside the token). */
function adjacent(t: Token): boolean {
  return t.gapBefore === ' ';
}

function detectPersons(ctx: Ctx, languages: readonly Language[]): void {
  const tokens = tokenize(ctx.masked);
  if (!tokens.some((t) => t.cap)) return;
  const lex = nameLexicon(languages);
  const { honorifics, abbreviations, cues } = titleWords(languages);
  const isNonName = (t: Token) => lex.nonName.has(t.key) || honorifics.has(t.key) || abbreviations.has(t.key);
  const isFirst = (t: Token) => lex.first.has(t.key) || lex.first.has(t.key.split('-')[0] ?? '');
  const cued = (t: Token) => {
    const before = ctx.masked.slice(Math.max(0, t.start - 28), t.start).toLowerCase();
    return cues.some((re) => re.test(before));
  };

  let i = 0;
  while (i < tokens.length) {
    const t = tokens[i]!;
    const next = tokens[i + 1];
    let nameStart = -1;
    // Honorific: "Dr. Emily Carter", "Mme Rousseau", "le capitaine Morel" — the title itself stays visible.
    const isAbbrev = abbreviations.has(t.key) && t.cap && next?.gapBefore.startsWith('.');
    const isTitle = honorifics.has(t.key) && (t.cap || TITLE_WORDS_LOWERCASE_OK.has(t.key));
    if (
      (isAbbrev || isTitle) &&
      next?.cap &&
      /^\.?\s{1,2}$/.test(next.gapBefore) &&
      !lex.nonName.has(next.key)
    ) {
      nameStart = i + 1;
    } else if (t.cap && blockedContext(tokens, i)) {
      // Skip the whole capitalised run: "Hugo" in "rue Victor Hugo" is as much a street as "Victor".
      i += 1;
      while (tokens[i]?.cap && adjacent(tokens[i]!)) i += 1;
      continue;
    } else if (t.cap && !CONTRACTION_RE.test(t.text)) {
      if (isFirst(t)) nameStart = i;
      else if (lex.ambiguous.has(t.key)) {
        // "Mark Evans" but not "Mark my words"; "Grace, can you…" (vocative) but not "Will you…".
        const followedBySurname = next?.cap && adjacent(next) && !isNonName(next);
        const vocative = t.sentenceStart && ctx.masked.charAt(t.end) === ',';
        if (followedBySurname || vocative || cued(t)) nameStart = i;
      } else if (!lex.known.has(t.key) && !isNonName(t)) {
        // Unknown capitalised word: a name after "Hi", "Cordialement,", "my name is", "my brother"; or
        // two unknown capitalised words mid-sentence ("Priya Natarajan"), but not a Title Case run of
        // three or more, which is a heading or a product name.
        const third = tokens[i + 2];
        const unknownPair =
          !t.sentenceStart &&
          next?.cap &&
          adjacent(next) &&
          !(third?.cap && adjacent(third)) &&
          !lex.known.has(next.key) &&
          !isNonName(next) &&
          nameShaped(t) &&
          nameShaped(next);
        if (cued(t) || unknownPair) nameStart = i;
      }
    }
    if (nameStart < 0) {
      i += 1;
      continue;
    }
    // Extend over following capitalised words (surnames, compound names), up to 3 words in all.
    let last = nameStart;
    while (last - nameStart < 2) {
      const n = tokens[last + 1];
      if (!n?.cap || !adjacent(n) || isNonName(n) || PLACE_SUFFIXES.has(n.key)) break;
      last += 1;
    }
    const after = tokens[last + 1];
    const placeLike = after && adjacent(after) && after.cap && PLACE_SUFFIXES.has(after.key);
    if (!placeLike) accept(ctx, 'person', tokens[nameStart]!.start, tokens[last]!.end);
    i = last + 1;
  }
}

// Word-forming suffixes (Authentication, Community) and inner capitals (OpenSSH) mark ordinary words
// or brands; Mc/Mac/O'/D' names keep their inner capital.
const WORD_SUFFIX_RE =
  /(?:tion|sion|ment|ness|ing|ity|ance|ence|ive|ous|ful|able|ible|ism|ware|ship|hood|ology)$/;

function nameShaped(t: Token): boolean {
  if (/\d/.test(t.text) || WORD_SUFFIX_RE.test(t.key)) return false;
  const inner = t.text.slice(1).replace(/^(?:c|ac|'|’)(?=\p{Lu})/u, '');
  return !/\p{Lu}/u.test(inner.replace(/-\p{Lu}/gu, ''));
}

/** "rue Victor Hugo", "musée Christian Dior", "Saint-Étienne": people's names used as places. */
function blockedContext(tokens: Token[], i: number): boolean {
  const t = tokens[i]!;
  if (/^(?:saint|sainte|st)-/.test(t.key) || PLACE_PREFIXES.has(t.key)) return true;
  const prev = tokens[i - 1];
  return prev !== undefined && PLACE_PREFIXES.has(prev.key) && /^\.?\s$/.test(t.gapBefore);
}

const TITLE_WORDS_LOWERCASE_OK = new Set([
  'docteur',
  'professeur',
  'capitaine',
  'commandant',
  'lieutenant',
  'colonel',
  'inspecteur',
  'commissaire',
  'maitre',
  'madame',
  'monsieur',
  'mademoiselle',
  'nurse',
  'captain',
  'officer',
  'inspector',
  'detective',
  'professor',
]);

const HONORIFICS: Record<Language, { words: string[]; abbreviations: string[] }> = {
  en: {
    words: [
      'mr',
      'mrs',
      'ms',
      'miss',
      'mx',
      'dr',
      'prof',
      'professor',
      'sir',
      'dame',
      'lady',
      'lord',
      'nurse',
      'captain',
      'capt',
      'officer',
      'inspector',
      'detective',
      'judge',
      'rev',
      'reverend',
      'sgt',
      'sergeant',
    ],
    abbreviations: [],
  },
  fr: {
    words: [
      'mme',
      'mmes',
      'mlle',
      'mlles',
      'madame',
      'monsieur',
      'mademoiselle',
      'docteur',
      'dr',
      'pr',
      'professeur',
      'maitre',
      'capitaine',
      'commandant',
      'lieutenant',
      'colonel',
      'inspecteur',
      'commissaire',
      'juge',
    ],
    // "M." and "MM." only count with their period: a bare M is an initial or a letter.
    abbreviations: ['m', 'mm'],
  },
};

const CUES: Record<Language, RegExp> = {
  en: /(?:^|[^\p{L}])(?:hi|hello|hey|dear|thanks|thank you|cheers|sorry|bye|regards|sincerely|happy birthday|i'm|i’m|i am|my name is|this is|signed|brother|sister|son|daughter|wife|husband|partner|colleague|friend|neighbour|neighbor|manager|holder)[\s,:]{0,3}$/u,
  fr: /(?:^|[^\p{L}])(?:bonjour|bonsoir|salut|coucou|cher|chère|chers|merci|bravo|félicitations|cordialement|amicalement|bien à vous|bises|bisous|je m'appelle|je m’appelle|moi c'est|mon nom est|signé|joyeux anniversaire|frère|sœur|soeur|fils|fille|femme|mari|époux|épouse|collègue|ami|amie|voisin|voisine|titulaire)[\s,:]{0,3}$/u,
};

const PLACE_PREFIXES = new Set([
  'rue',
  'avenue',
  'av',
  'boulevard',
  'bd',
  'place',
  'quai',
  'allee',
  'impasse',
  'chemin',
  'square',
  'musee',
  'lycee',
  'college',
  'ecole',
  'universite',
  'hopital',
  'stade',
  'gare',
  'pont',
  'eglise',
  'fondation',
  'institut',
  'saint',
  'sainte',
  'st',
  'street',
  'road',
  'lake',
  'mount',
  'mont',
  'fort',
  'port',
]);

const PLACE_SUFFIXES = new Set([
  'street',
  'st',
  'road',
  'rd',
  'avenue',
  'ave',
  'lane',
  'boulevard',
  'station',
  'square',
  'bridge',
  'hospital',
  'university',
  'college',
  'school',
  'museum',
  'memorial',
  'monument',
  'airport',
  'stadium',
  'centre',
  'center',
  'hotel',
  'inc',
  'ltd',
  'llc',
  'corp',
  'group',
  'bank',
  'foundation',
  'institute',
  'island',
  'islands',
  'valley',
  'bay',
  'beach',
  'county',
  'district',
  'province',
  'sa',
  'sas',
  'sarl',
]);

// Given names that are at least as often ordinary words or places; they need extra evidence.
const AMBIGUOUS_NAMES = [
  'will',
  'may',
  'june',
  'april',
  'august',
  'mark',
  'grant',
  'drew',
  'chase',
  'rob',
  'jack',
  'nick',
  'bill',
  'frank',
  'rich',
  'hope',
  'grace',
  'joy',
  'faith',
  'rose',
  'lily',
  'daisy',
  'ruby',
  'amber',
  'iris',
  'ivy',
  'olive',
  'violet',
  'holly',
  'heather',
  'dawn',
  'summer',
  'autumn',
  'sunny',
  'sky',
  'jordan',
  'georgia',
  'victoria',
  'florence',
  'austin',
  'lourdes',
  'nancy',
  'france',
  'avril',
  'noel',
  'pascal',
  'blanche',
  'aurore',
  'prudence',
  'constance',
  'valence',
  'lorraine',
  'christian',
  'guy',
  'art',
  'don',
  'ray',
  'dean',
  'gene',
  'cliff',
  'glen',
  'page',
  'sage',
  'ash',
  'hunter',
  'mason',
  'major',
  'king',
  'earl',
  'duke',
  'pat',
  'sue',
  'max',
  'chelsea',
  'sydney',
  'dallas',
  'houston',
  'phoenix',
  'madison',
  'lincoln',
  'jackson',
  'angel',
  'star',
  'crystal',
  'pearl',
  'penny',
  'candy',
  'ginger',
  'honey',
  'rusty',
  'storm',
  'river',
  'stone',
  'cash',
  'bell',
  'carter',
  'harper',
  'taylor',
  'parker',
  'price',
  'young',
  'white',
  'black',
  'brown',
  'green',
];

// Capitalised words that must never start a name, beyond compromise's places/months/organisations.
const COMMON_NON_NAMES = [
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
  'january',
  'february',
  'march',
  'september',
  'october',
  'november',
  'december',
  'christmas',
  'easter',
  'god',
  'apple',
  'amazon',
  'google',
  'microsoft',
  'android',
  'windows',
  'iphone',
  'visa',
  'mastercard',
  'paypal',
  'internet',
  'street',
  'station',
];

const FRENCH_NON_NAMES = [
  'lundi',
  'mardi',
  'mercredi',
  'jeudi',
  'vendredi',
  'samedi',
  'dimanche',
  'janvier',
  'fevrier',
  'mars',
  'avril',
  'mai',
  'juin',
  'juillet',
  'aout',
  'septembre',
  'octobre',
  'novembre',
  'decembre',
  'noel',
  'paques',
  'cher',
  'chere',
  'elle',
  'il',
  'on',
  'nous',
  'vous',
  'ils',
  'elles',
  'je',
  'tu',
  'ce',
  'cette',
  'ces',
  'mon',
  'ma',
  'mes',
  'ton',
  'ta',
  'son',
  'sa',
  'ses',
  'notre',
  'votre',
  'leur',
  'le',
  'la',
  'les',
  'un',
  'une',
  'des',
  'du',
  'de',
  'au',
  'aux',
  'et',
  'ou',
  'mais',
  'donc',
  'car',
  'or',
  'pour',
  'par',
  'sur',
  'sous',
  'dans',
  'avec',
  'sans',
  'chez',
  'merci',
  'bonjour',
  'salut',
  'voici',
  'france',
  'orange',
  'fnac',
  'sncf',
];

const FRENCH_FIRST_NAMES = (
  'jean pierre michel andre philippe alain jacques bernard daniel christophe patrick nicolas francois frederic ' +
  'eric laurent stephane david thierry olivier julien sebastien thomas alexandre guillaume antoine maxime romain ' +
  'kevin mathieu matthieu vincent yves gerard claude marcel rene roger louis paul henri georges robert jeremy ' +
  'jerome cedric arnaud benoit fabrice franck gilles herve hugues lionel ludovic mickael nathan lucas leo gabriel ' +
  'raphael arthur jules adam hugo ethan noah tom theo mathis enzo baptiste clement quentin florian valentin ' +
  'alexis adrien benjamin dylan anthony axel bastien damien emmanuel fabien gael gregory joel loic marc mathias ' +
  'morgan regis remi sylvain timothee victor xavier yann yannick didier dominique serge bruno francis gaston ' +
  'lucien maurice raymond marius sacha timeo nolan evan aaron ibrahim mohamed karim mehdi yassine rayan ilyes ' +
  'samir sofiane nassim youssef amine bilal hamza omar kylian martin aurelien bertrand charles edouard etienne ' +
  'fernand gaetan guillaume jean-baptiste joseph leon marcel matthias pascal-andre sylvestre thibault thibaut ' +
  'tristan ulysse william yoann marie nathalie isabelle sylvie catherine francoise christine monique nicole ' +
  'sophie valerie sandrine veronique celine stephanie julie aurelie emilie camille laura sarah pauline marine ' +
  'manon lea chloe emma jade louise alice lina anna ines ambre julia mila lena zoe agathe juliette clara eva ' +
  'lucie charlotte margaux mathilde oceane anais elodie helene jacqueline jeanne martine michele brigitte chantal ' +
  'danielle madeleine simone suzanne yvette yvonne odile genevieve therese colette josiane patricia laurence ' +
  'corinne delphine caroline virginie audrey melanie elise elisa eloise noemie justine marion morgane clemence ' +
  'cecile claire agnes beatrice berangere gaelle ghislaine irene josephine lise lou maelle maeva marina maryse ' +
  'mireille nadia nadine noelle paulette romane salome solene sonia yasmine fatima amina aicha myriam sabrina ' +
  'samia leila nour khadija lola lisa elsa apolline capucine margot adele albane armelle axelle blandine carole ' +
  'coralie emeline estelle fanny gwendoline laetitia ludivine magali marjorie nina ophelie perrine sabine ' +
  'severine tiphaine vanessa yolande zelie annie anne arlette bernadette christiane denise evelyne francine ' +
  'germaine gisele huguette jocelyne liliane lucienne marcelle mauricette micheline nicolette raymonde renee ' +
  'solange sylviane viviane adeline amandine angelique annabelle aude aurelia berenice cassandra celia clarisse ' +
  'claudine daphne diane dorothee edith eleonore eliane elisabeth emmanuelle eugenie eve flavie flore florine ' +
  'gabrielle geraldine gwenaelle ingrid isaure jennifer joelle josette karine laure laurine leonie lilou louna ' +
  'lucille lydie maelys marguerite marianne maud maude melissa melodie michelle mylene nadege naomi nelly nolwenn ' +
  'oriane pascale penelope rachel regine roxane sandra segolene sidonie soline valentine victoire violaine ' +
  'yaelle achille aime alban albert alphonse ambroise amaury anatole augustin barthelemy basile blaise brice ' +
  'come corentin cyril cyrille denis desire edgar edmond elie eloi emile erwan eugene felix ferdinand florent ' +
  'gabin gaspard gautier gauthier geoffrey geoffroy gildas gregoire gustave hector hippolyte honore isidore ' +
  'jeremie joachim jonathan josselin kilian killian lancelot leandre leonard lilian loris luc malo marceau ' +
  'martial maximilien melvin noe octave oscar patrice philibert raoul renaud richard rodolphe roland ronan ruben ' +
  'samuel simon stanislas tanguy thibaud titouan urbain valery wilfried yanis yohan yvan zacharie rachid said ' +
  'abdel farid hakim khaled malik mourad nabil nordine rachida samira soraya kenza sana salma walid yacine ' +
  'zineb djamel karima malika naima'
).split(' ');

// Frequent given names from other origins common in European customer bases.
const INTERNATIONAL_FIRST_NAMES = (
  'priya aisha ayesha fatima mohammed muhammad mohamed ahmed ali omar hassan hussein yusuf youssef ibrahim ' +
  'wei jing hiroshi yuki kenji akira sakura haruto raj rahul arjun sanjay anil sunita deepa ananya aditya ' +
  'vikram ravi amit neha pooja kwame chinedu olumide ngozi amara sipho thabo juan carlos jose luis miguel pablo ' +
  'alejandro javier diego sofia lucia carmen isabel elena giulia francesco giuseppe marco luca matteo ' +
  'alessandro chiara stefan lukas jan piotr olga natalia irina dmitri sergei ivan igor mehmet ayse emre fatma ' +
  'minh anh thanh jiwoo minjun seoyeon tariq imran bilal zainab declan niamh siobhan aoife ciara cian oisin ' +
  'eoin seamus sinead roisin'
).split(' ');
