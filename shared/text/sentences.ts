/** Sentence spans with UTF-16 offsets into the original text, as Perspective's span annotations expect. */

export interface TextSpan {
  begin: number;
  end: number;
}

// UAX #29 rules are language-independent, so one root-locale instance serves EN and FR alike.
const segmenter = new Intl.Segmenter('und', { granularity: 'sentence' });

// V8 ignores ICU's `ss=standard` suppressions, so ICU splits after "Mr." and "M." before a capital; a
// single capital covers initials ("J. K. Rowling") and French "M. Dupont".
const ABBREVIATION = /(?<![\p{L}\p{M}\p{N}.])(?:Mr|Mrs|Ms|Dr|Prof|Sr|Jr|St|Mt|vs|Mme|Mlle|Mgr|Pr|\p{Lu})\.$/u;
// ICU ends "Bonjour ! » dit-il" before the "»" because a closer may not follow a space; such closers
// belong to the sentence before. Requiring a space after keeps opening quotes ("Then", German »Text«).
const CLOSERS = /[\p{Pe}\p{Pf}"']+(?=\s|$)/uy;
const PARAGRAPH_END = /[\n\r\u0085\u2028\u2029]/;
const SPACE = /\s|\u0085/;
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

export function sentenceSpans(text: string, options: { maxSpans?: number } = {}): TextSpan[] {
  const maxSpans = options.maxSpans ?? 100;
  if (!Number.isInteger(maxSpans) || maxSpans < 1)
    throw new RangeError(`maxSpans must be a positive integer, got ${maxSpans}`);
  const spans: TextSpan[] = [];
  let start = 0;
  // Returns false once a span beyond the cap shows up: the last span then absorbs the rest of the text.
  const cut = (end: number): boolean => {
    const span = trimmed(text, start, end);
    start = end;
    if (!span) return true;
    if (spans.length < maxSpans) {
      spans.push(span);
      return true;
    }
    spans[maxSpans - 1]!.end = trimmed(text, span.begin, text.length)!.end;
    return false;
  };
  for (const { index } of segmenter.segment(text)) {
    if (index <= start) continue;
    const lineEnded = PARAGRAPH_END.test(text[index - 1]!);
    if (!lineEnded && ABBREVIATION.test(text.slice(start, index).trimEnd())) continue;
    CLOSERS.lastIndex = index;
    const end = !lineEnded && CLOSERS.test(text) ? CLOSERS.lastIndex : index;
    if (!cut(end)) return spans;
  }
  cut(text.length);
  return spans;
}
