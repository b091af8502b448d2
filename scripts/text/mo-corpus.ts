/** Multilingual UI sentences from installed GNU gettext catalogues, as "other language" text for language ID. */
import { hash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface MoEntry {
  msgid: string;
  msgstr: string;
}

export interface MoMessage {
  lang: string;
  text: string;
  /** `<locale>/LC_MESSAGES/<domain>.mo` the text was read from. */
  source: string;
}

export interface CollectOptions {
  root?: string;
  perLanguage?: number;
  minLetters?: number;
  seed?: string;
}

const MO_MAGIC = 0x950412de;

/** Parses a binary .mo catalogue; plural entries yield their first form, the header entry is skipped. */
export function readMoFile(buf: Buffer): MoEntry[] {
  if (buf.length < 20) throw new Error('mo: file too short');
  const le = buf.readUInt32LE(0) === MO_MAGIC;
  if (!le && buf.readUInt32BE(0) !== MO_MAGIC) throw new Error('mo: bad magic number');
  const u32 = (at: number): number => {
    if (at + 4 > buf.length) throw new Error(`mo: offset ${at} beyond end of file`);
    return le ? buf.readUInt32LE(at) : buf.readUInt32BE(at);
  };
  if (u32(4) >>> 16 > 1) throw new Error(`mo: unsupported major revision ${u32(4) >>> 16}`);
  const count = u32(8);
  const span = (table: number, i: number): [number, number] => {
    const length = u32(table + 8 * i);
    const offset = u32(table + 8 * i + 4);
    if (offset + length > buf.length) throw new Error(`mo: string ${i} runs past end of file`);
    return [offset, offset + length];
  };
  const ids = Array.from({ length: count }, (_, i) => span(u32(12), i));
  const strs = Array.from({ length: count }, (_, i) => span(u32(16), i));
  // The header (empty msgid) declares the charset; a few old catalogues are Latin-1, EUC-JP and the like.
  const headerAt = ids.findIndex(([from, to]) => from === to);
  const header = headerAt >= 0 ? buf.toString('latin1', ...strs[headerAt]!) : '';
  const charset = /charset=([\w.:-]+)/i.exec(header)?.[1] ?? 'utf-8';
  let decode = (from: number, to: number): string => buf.toString('utf8', from, to);
  if (!/^(utf-?8|(us-)?ascii)$/i.test(charset)) {
    try {
      const decoder = new TextDecoder(charset);
      decode = (from, to) => decoder.decode(buf.subarray(from, to));
    } catch {} // unknown label: UTF-8 is the best remaining guess
  }
  const out: MoEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (i === headerAt) continue;
    // msgid may be "context\x04singular\0plural"; msgstr holds the plural forms NUL-separated.
    const rawId = decode(...ids[i]!);
    const msgid = rawId.slice(rawId.indexOf('\u0004') + 1).split('\u0000')[0]!;
    if (msgid === '') continue;
    const msgstr = decode(...strs[i]!);
    const nul = msgstr.indexOf('\u0000');
    out.push({ msgid, msgstr: nul < 0 ? msgstr : msgstr.slice(0, nul) });
  }
  return out;
}

// One pass for everything that becomes a space: printf (%s %-10lu %1$s %(name)s %%, no space flag so "50 % des"
// survives), binutils %pA, Qt %1, Ruby %{x}, gettext %<PRIu64>, {0} {name!r:>10}, markup, entities, CJK-style
// mnemonic suffixes like 打开(_O), control characters (\n, \t, bell).
const NOISE = new RegExp(
  [
    /%(?:\(\w+\))?(?:\d+\$)?[-+#0']*(?:\d+|\*)?(?:\.(?:\d+|\*))?(?:hh|ll|[hlLqjzt]|p(?=[A-Z]))?[A-Za-z%]/,
    /%\d+|%\{\w+\}|%<\w+>/,
    /\{\w*(?:[!:][^{}]*)?\}/,
    /<\/?[a-zA-Z][^<>]*>|&(?:amp|lt|gt|quot|apos);/,
    /\(\s*[_&][A-Za-z0-9]\s*\)/,
    /\p{Cc}/u,
  ]
    .map((r) => r.source)
    .join('|'),
  'gu',
);
// Quote pairs left empty once their placeholder is gone: "%s" → "".
const EMPTY_QUOTES = /"\s*"|'\s*'|«\s*»|„\s*[“”]|“\s*”|‘\s*’|「\s*」|『\s*』/g;

const MNEMONIC = /[_&](?=\p{L})/gu;
const SPACES = /\s+/g;

/** Strips placeholders, markup and mnemonics from one UI string and normalizes whitespace. */
export function cleanMessage(s: string): string {
  return s.replace(NOISE, ' ').replace(EMPTY_QUOTES, ' ').replace(MNEMONIC, '').replace(SPACES, ' ').trim();
}

const LETTERS = /\p{L}/gu;
// Scripts written without spaces between words, where a word count means nothing.
const SPACELESS =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/gu;
const WORD = /\S*\p{L}\S*/gu;

const count = (text: string, re: RegExp): number => text.length - text.replace(re, '').length;

function isSentenceLike(text: string, minLetters: number): boolean {
  const letters = count(text, LETTERS);
  if (letters < 4) return false;
  // A CJK character carries roughly a word, so the bar drops to a third (4 at the default 12).
  if (count(text, SPACELESS) * 2 >= letters) return letters >= Math.max(4, Math.ceil(minLetters / 3));
  return letters >= minLetters && (text.match(WORD)?.length ?? 0) >= 2;
}

// gettext msgids are English by convention, but a few broken catalogues carry translations in them.
const isLatin = (text: string): boolean => count(text, /\p{Script=Latin}/gu) >= 0.9 * count(text, LETTERS);

/** `pt_BR` → `pt`, `sr@latin` → `sr`, `zh_Hans` → `zh`, `de.UTF-8` → `de`. */
export const localeLanguage = (locale: string): string => locale.split(/[_.@]/)[0]!.toLowerCase();

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const byKey = (a: MoMessage, b: MoMessage): number =>
  cmp(a.lang, b.lang) || cmp(a.text, b.text) || cmp(a.source, b.source);

interface Pick {
  key: string;
  text: string;
  msgid: string;
  source: string;
}

/**
 * Up to `perLanguage` cleaned translations per non-English language, chosen by a seeded hash so the sample is
 * stable across machines with the same catalogues, plus the English msgids of the chosen ones as `en`.
 */
export function collectMessages(opts: CollectOptions = {}): MoMessage[] {
  const { root = '/usr/share/locale', perLanguage = 400, minLetters = 12, seed = 'langid' } = opts;
  // Keeping only the smallest hashes seen so far equals dedupe-then-sort (a text always hashes the same) while
  // holding perLanguage strings instead of the two million the catalogues contain.
  const picks = new Map<string, Pick[]>();
  for (const locale of readdirSync(root).sort()) {
    const lang = localeLanguage(locale);
    const dir = path.join(root, locale, 'LC_MESSAGES');
    if (lang === 'en' || !existsSync(dir)) continue;
    const kept = picks.get(lang) ?? [];
    picks.set(lang, kept);
    for (const file of readdirSync(dir).sort()) {
      if (!file.endsWith('.mo')) continue;
      let entries: MoEntry[];
      try {
        entries = readMoFile(readFileSync(path.join(dir, file)));
      } catch {
        continue; // a corrupt catalogue costs a few sentences, not the whole corpus
      }
      for (const { msgid, msgstr } of entries) {
        if (msgstr === msgid || msgstr === '') continue;
        const text = cleanMessage(msgstr);
        const key = hash('sha1', seed + text);
        if (kept.length >= perLanguage && key >= kept[kept.length - 1]!.key) continue;
        let at = 0;
        for (let hi = kept.length; at < hi; ) {
          const mid = (at + hi) >>> 1;
          if (kept[mid]!.key < key) at = mid + 1;
          else hi = mid;
        }
        if (kept[at]?.key === key || !isSentenceLike(text, minLetters) || text === cleanMessage(msgid))
          continue;
        kept.splice(at, 0, { key, text, msgid, source: `${locale}/LC_MESSAGES/${file}` });
        if (kept.length > perLanguage) kept.pop();
      }
    }
  }
  const out: MoMessage[] = [];
  const english = new Map<string, string>();
  for (const lang of [...picks.keys()].sort()) {
    for (const { text, msgid, source } of picks.get(lang)!) {
      out.push({ lang, text, source });
      const en = cleanMessage(msgid);
      if (!english.has(en) && isSentenceLike(en, minLetters) && isLatin(en)) english.set(en, source);
    }
  }
  for (const [text, source] of english) out.push({ lang: 'en', text, source });
  return out.sort(byKey);
}

/** Row count per language, keys sorted. */
export function summarizeMessages(rows: readonly MoMessage[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const { lang } of rows) counts.set(lang, (counts.get(lang) ?? 0) + 1);
  return Object.fromEntries([...counts].sort(([a], [b]) => cmp(a, b)));
}
