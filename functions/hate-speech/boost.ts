/**
 * Seed 001's "enhanced" post-processing: French and English patterns of explicit hate (a hostile verb
 * or a dehumanising predicate aimed at a group) raise the score to at least a floor. Whether it stays on
 * is decided by measurement (`npm run measure:boost`, docs/MODELS.md), not by belief.
 */
import type { HateScore } from './detector.js';

const GROUPS_EN =
  '(?:women|men|gays?|lesbians|trans(?:gender)? (?:people|women|men)|black (?:people|men|women)|blacks|jews|muslims|immigrants|refugees|foreigners|disabled (?:people)?|arabs|asians|mexicans|gypsies|roma)';
const GROUPS_FR =
  '(?:femmes|hommes|homos(?:exuels)?|gays?|lesbiennes|trans|noirs|juifs|musulmans|immigrés|migrants|réfugiés|étrangers|handicapés|arabes|roms|gitans)';

const PATTERNS: Record<'en' | 'fr', RegExp[]> = {
  en: [
    new RegExp(`\\b(?:i|we) (?:hate|despise|loathe|can'?t stand) (?:all )?${GROUPS_EN}\\b`, 'i'),
    new RegExp(
      `\\b${GROUPS_EN} (?:are|r) (?:all )?(?:(?:nothing but|just) )?(?:animals|vermin|rats|scum|trash|parasites|subhuman|disgusting|a plague|cancer)\\b`,
      'i',
    ),
    new RegExp(`\\b(?:kill|exterminate|gas|deport|hang|shoot) (?:all|every|the) ${GROUPS_EN}\\b`, 'i'),
  ],
  fr: [
    new RegExp(
      `\\b(?:je|on|nous) (?:déteste|hais|haïssons|détestons|méprise) (?:tous |toutes )?(?:les|ces) ${GROUPS_FR}\\b`,
      'i',
    ),
    new RegExp(
      `\\b(?:les|ces) ${GROUPS_FR} (?:sont|c'est) (?:tous |toutes |que )?(?:des )?(?:animaux|vermines?|rats|ordures|parasites|sous-hommes|déchets|cafards|terroristes)\\b`,
      'i',
    ),
    new RegExp(
      `\\b(?:il faut |faut )?(?:tuer|exterminer|gazer|expulser|virer|pendre) (?:tous |toutes )?(?:les|ces) ${GROUPS_FR}\\b`,
      'i',
    ),
  ],
};

/** The floor a matched pattern lifts the score to: enough to cross any threshold, as "Critique" (> 0.9). */
export const BOOST_FLOOR = 0.91;

export function patternBoost(text: string, score: HateScore): { probability: number; applied: boolean } {
  const patterns =
    score.language === 'fr'
      ? PATTERNS.fr
      : score.language === 'en'
        ? PATTERNS.en
        : [...PATTERNS.en, ...PATTERNS.fr];
  if (score.probability >= BOOST_FLOOR || !patterns.some((p) => p.test(text))) {
    return { probability: score.probability, applied: false };
  }
  return { probability: BOOST_FLOOR, applied: true };
}

export const noBoost = (_text: string, score: HateScore) => ({
  probability: score.probability,
  applied: false,
});
