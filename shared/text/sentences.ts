/** Sentence spans with UTF-16 offsets into the original text, as Perspective's span annotations expect. */

export interface TextSpan {
  begin: number;
  end: number;
}

// UAX #29 rules are language-independent, so one root-locale instance serves EN and FR alike.
const segmenter = new Intl.Segmenter('und', { granularity: 'sentence' });
// Node 20's V8 spends time proportional to the whole string on every segment (crbug.com/326176949, fixed
// in V8 12.4), so long lines are segmented a window at a time.
const WINDOW = 1024;

// UAX #29 always breaks after these, so lines can be segmented on their own and blank ones skipped.
const LINE = /[^\n\r\u0085\u2028\u2029]+/g;
const BLANK = /^\s*$/;
// V8 ignores ICU's `ss=standard` suppressions, so ICU splits after "Mr." and "M." before a capital; a
// single capital covers initials ("J. K. Rowling") and French "M. Dupont".
const ABBREVIATION = /(?<![\p{L}\p{M}\p{N}.])(?:Mr|Mrs|Ms|Dr|Prof|Sr|Jr|St|Mt|vs|Mme|Mlle|Mgr|Pr|\p{Lu})\.$/u;
// ICU ends "Bonjour ! » dit-il" before the "»" because a closer may not follow a space; such closers
// belong to the sentence before. Requiring a space after keeps opening quotes ("Then", German »Text«).
const CLOSERS = /[\p{Pe}\p{Pf}"']+(?=[\s\u0085]|$)/uy;
const SPACE = /[\s\u0085]/;
// A space followed by one of these is the base of a cluster, and trimming it would orphan the mark.
const EXTEND = /[\p{M}\p{Emoji_Modifier}\u200c\u200d]/uy;

function startsCluster(text: string, at: number): boolean {
  EXTEND.lastIndex = at + 1;
  return EXTEND.test(text);
}

function trimmed(text: string, begin: number, end: number): TextSpan | undefined {
  while (begin < end && SPACE.test(text[begin]!) && !startsCluster(text, begin)) begin++;
  // Trailing marks are never whitespace, so the trailing trim cannot cut a cluster.
  while (end > begin && SPACE.test(text[end - 1]!)) end--;
  return begin < end ? { begin, end } : undefined;
}

// ICU sentence starts inside text[from, to), a stretch without line breaks.
function* sentenceStarts(text: string, from: number, to: number): Generator<number> {
  let size = WINDOW;
  while (to - from > size) {
    const starts = Array.from(segmenter.segment(text.slice(from, from + size)), (s) => from + s.index);
    // The last start may rest on a look-ahead ("etc. (see below)") that the window cut short; the ones
    // before it are settled, as each is followed by a sentence ending inside the window.
    if (starts.length < 3) {
      size *= 2;
      continue;
    }
    yield* starts.slice(1, -1);
    from = starts.at(-2)!;
    size = WINDOW;
  }
  for (const { index } of segmenter.segment(text.slice(from, to))) if (index > 0) yield from + index;
}

function endsWithAbbreviation(text: string, begin: number, end: number): boolean {
  while (end > begin && SPACE.test(text[end - 1]!)) end--;
  // Six characters hold the longest abbreviation, its period and the character the look-behind checks.
  return ABBREVIATION.test(text.slice(Math.max(begin, end - 6), end));
}

export function sentenceSpans(text: string, options: { maxSpans?: number } = {}): TextSpan[] {
  const maxSpans = options.maxSpans ?? 100;
  if (!Number.isInteger(maxSpans) || maxSpans < 1)
    throw new RangeError(`maxSpans must be a positive integer, got ${maxSpans}`);
  const spans: TextSpan[] = [];
  // Returns false once a span beyond the cap shows up: the last span then absorbs the rest of the text.
  const add = (begin: number, end: number): boolean => {
    const span = trimmed(text, begin, end);
    if (!span) return true;
    if (spans.length < maxSpans) {
      spans.push(span);
      return true;
    }
    spans[maxSpans - 1]!.end = trimmed(text, span.begin, text.length)!.end;
    return false;
  };
  for (const line of text.matchAll(LINE)) {
    if (BLANK.test(line[0])) continue;
    let start = line.index;
    const lineEnd = start + line[0].length;
    for (const index of sentenceStarts(text, start, lineEnd)) {
      if (index <= start || endsWithAbbreviation(text, start, index)) continue;
      CLOSERS.lastIndex = index;
      const end = CLOSERS.test(text) ? CLOSERS.lastIndex : index;
      if (!add(start, end)) return spans;
      start = end;
    }
    if (!add(start, lineEnd)) return spans;
  }
  return spans;
}
