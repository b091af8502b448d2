/** Behaviour of the PII redactor, plus regression floors measured on the labelled sample. */
import { describe, expect, it } from 'vitest';
import { loadSample, scoreSample } from '../../scripts/bench/redaction.js';
import { findPii, PII_KINDS, type PiiKind, redactPii } from '../../shared/privacy/redact.js';

const PLACEHOLDERS: Record<PiiKind, string> = {
  email: '[EMAIL]',
  phone: '[PHONE]',
  iban: '[IBAN]',
  card: '[CARD]',
  ip: '[IP]',
  url_credentials: '[URL_CREDENTIALS]',
  person: '[PERSON]',
};

const spanTexts = (text: string) => findPii(text).map((s) => [s.kind, text.slice(s.start, s.end)]);

describe('redactPii: every kind, in English and French', () => {
  const cases: [PiiKind, 'en' | 'fr', string, string][] = [
    ['email', 'en', 'Reach me at jane.doe@example.com tomorrow.', 'jane.doe@example.com'],
    ['email', 'fr', 'Écrivez à service.client@example.fr pour le suivi.', 'service.client@example.fr'],
    ['phone', 'en', 'Call me on +44 20 7946 0958 after lunch.', '+44 20 7946 0958'],
    ['phone', 'en', 'My cell is (415) 555-2671, text first.', '(415) 555-2671'],
    ['phone', 'en', 'Hotline +1-202-555-0143 is closed.', '+1-202-555-0143'],
    ['phone', 'fr', 'Mon portable : 06 12 34 56 78, merci.', '06 12 34 56 78'],
    ['phone', 'fr', 'Appelez le +33 6 12 34 56 78 demain.', '+33 6 12 34 56 78'],
    ['phone', 'fr', 'Depuis la Suisse : 0033 1 23 45 67 89.', '0033 1 23 45 67 89'],
    ['iban', 'en', 'Refund to DE89370400440532013000 please.', 'DE89370400440532013000'],
    [
      'iban',
      'fr',
      'Mon IBAN est FR76 3000 6000 0112 3456 7890 189, merci.',
      'FR76 3000 6000 0112 3456 7890 189',
    ],
    ['card', 'en', 'I paid with 4111 1111 1111 1111 yesterday.', '4111 1111 1111 1111'],
    ['card', 'fr', 'Ma carte 5555-5555-5555-4444 a été refusée.', '5555-5555-5555-4444'],
    ['ip', 'en', 'Requests from 203.0.113.45 keep failing.', '203.0.113.45'],
    ['ip', 'fr', 'Connexion depuis 2001:db8::1 cette nuit.', '2001:db8::1'],
    [
      'url_credentials',
      'en',
      'Clone https://admin:hunter2@git.example.com/repo.git now.',
      'https://admin:hunter2@git.example.com/repo.git',
    ],
    [
      'url_credentials',
      'fr',
      'Le proxy http://proxy:secret@192.0.2.10:8080 bloque.',
      'http://proxy:secret@192.0.2.10:8080',
    ],
    ['person', 'en', 'Thanks to Sarah Thompson for the quick fix.', 'Sarah Thompson'],
    ['person', 'en', 'Dr. Emily Carter reviewed it.', 'Emily Carter'],
    ['person', 'fr', 'Le rendez-vous avec Antoine Rousseau est annulé.', 'Antoine Rousseau'],
    ['person', 'fr', 'Merci de rappeler Mme Fontaine demain.', 'Fontaine'],
  ];

  it.each(cases)('%s (%s): %s', (kind, _lang, text, value) => {
    const result = redactPii(text);
    const start = text.indexOf(value);
    expect(result.spans).toContainEqual({ kind, start, end: start + value.length });
    expect(result.text).toBe(text.replace(value, PLACEHOLDERS[kind]));
  });
});

describe('findPii: hard negatives', () => {
  it('keeps numbers that fail the Luhn check, even with card formatting', () => {
    expect(findPii('The number 4111 1111 1111 1112 on the receipt is just a reference.')).toEqual([]);
    expect(findPii('Référence client 1234 5678 9012 3456 (ce n’est pas une carte).')).toEqual([]);
  });

  it('never reports phone numbers inside IBAN digits, even when only phones are requested', () => {
    const text = 'Virement vers FR76 3000 6000 0112 3456 7890 189 et DE89 3704 0044 0532 0130 00.';
    expect(findPii(text).map((s) => s.kind)).toEqual(['iban', 'iban']);
    expect(findPii(text, { kinds: ['phone'] })).toEqual([]);
  });

  it('does not flag an IBAN whose checksum is wrong', () => {
    expect(findPii('L’IBAN FR76 3000 6000 0112 3456 7890 188 est invalide.', { kinds: ['iban'] })).toEqual(
      [],
    );
  });

  it('treats dotted quads introduced as versions as versions, bare ones as addresses', () => {
    expect(findPii('We are on version 1.2.3.4 and firmware v2.10.0.1.')).toEqual([]);
    expect(spanTexts('Ping 1.2.3.4 please.')).toEqual([['ip', '1.2.3.4']]);
  });

  it('does not read order numbers, dates, prices or times as PII', () => {
    for (const text of [
      'Order #48213377 was shipped on 12/03/2024 and cost $1,299.99.',
      'La facture FAC-2023-00457 s’élève à 3 450,00 EUR.',
      'La commande n° 2024-118342 est arrivée le 12/03/2024.',
      'Heure : 12:45:30, durée 00:03:12, MAC 00:1A:2B:3C:4D:5E.',
      'Apple released an update and Paris was mentioned on Monday.',
      'Lundi, Orange a coupé ma ligne. Rue Victor Hugo, travaux.',
      'Will you fix this by June? Mark my words.',
    ]) {
      expect(redactPii(text)).toEqual({ text, spans: [] });
    }
  });
});

describe('redactPii: placeholders, offsets and overlaps', () => {
  it('replaces several spans and reports offsets in the original text', () => {
    const text =
      'Hi, I’m David. Mail david.okafor@example.net or call 415-555-0198; card 4242 4242 4242 4242.';
    const result = redactPii(text);
    expect(result.text).toBe('Hi, I’m [PERSON]. Mail [EMAIL] or call [PHONE]; card [CARD].');
    expect(result.spans.map((s) => [s.kind, text.slice(s.start, s.end)])).toEqual([
      ['person', 'David'],
      ['email', 'david.okafor@example.net'],
      ['phone', '415-555-0198'],
      ['card', '4242 4242 4242 4242'],
    ]);
  });

  it('redacts a credential URL whole, without a separate email or IP inside it', () => {
    const text =
      'See mongodb://dbadmin:Passw0rd@10.1.2.3:27017/prod and https://bob:s3cret@mail.example.com/x.';
    expect(spanTexts(text)).toEqual([
      ['url_credentials', 'mongodb://dbadmin:Passw0rd@10.1.2.3:27017/prod'],
      ['url_credentials', 'https://bob:s3cret@mail.example.com/x'],
    ]);
  });

  it('resolves IPv4-in-IPv6 as one address', () => {
    expect(spanTexts('::ffff:192.0.2.128 appears in the log.')).toEqual([['ip', '::ffff:192.0.2.128']]);
  });

  it('returns sorted, non-overlapping spans on every sample line', () => {
    for (const { text } of loadSample()) {
      const spans = findPii(text);
      for (let i = 1; i < spans.length; i++)
        expect(spans[i]!.start).toBeGreaterThanOrEqual(spans[i - 1]!.end);
    }
  });

  it('leaves text without PII unchanged', () => {
    const text = 'Nothing personal here, just a complaint about slow delivery.';
    expect(redactPii(text)).toEqual({ text, spans: [] });
    expect(redactPii('')).toEqual({ text: '', spans: [] });
  });

  it('honours the kinds and languages options', () => {
    const text = 'M. Dubois : dubois@example.fr, 06 12 34 56 78.';
    expect(spanTexts(text)).toEqual([
      ['person', 'Dubois'],
      ['email', 'dubois@example.fr'],
      ['phone', '06 12 34 56 78'],
    ]);
    expect(findPii(text, { kinds: ['email'] }).map((s) => s.kind)).toEqual(['email']);
    // "M." is a French honorific only, and Dubois is in no English name list.
    expect(findPii(text, { languages: ['en'] }).map((s) => s.kind)).not.toContain('person');
    expect(PII_KINDS).toHaveLength(7);
  });
});

describe('measured quality on tests/fixtures/pii-sample.jsonl', () => {
  // Measured (npm run bench:redaction): overall P 0.993 / R 0.993, person P 1.00 / R 0.98; floors keep
  // a margin of roughly five points so that a real regression, not noise, fails the suite.
  const report = scoreSample(loadSample());

  it('keeps overall precision and recall above their floors', () => {
    expect(report.overall.precision).toBeGreaterThanOrEqual(0.95);
    expect(report.overall.recall).toBeGreaterThanOrEqual(0.95);
  });

  it('keeps every structural kind near-perfect', () => {
    for (const kind of ['email', 'phone', 'iban', 'card', 'ip', 'url_credentials'] as const) {
      expect(report.byKind[kind].precision, kind).toBeGreaterThanOrEqual(0.9);
      expect(report.byKind[kind].recall, kind).toBeGreaterThanOrEqual(0.93);
    }
  });

  it('keeps person detection above its floors in both languages', () => {
    for (const lang of ['en', 'fr'] as const) {
      const person = report.byKindLang[`person/${lang}`]!;
      expect(person.precision, lang).toBeGreaterThanOrEqual(0.9);
      expect(person.recall, lang).toBeGreaterThanOrEqual(0.9);
    }
  });
});
