/** Perspective-style scoring: languages, attributes, version pins, sentence spans, thresholds. */
import { ApiError } from '../../shared/http/errors.js';
import { decide, type TextClassifier } from '../../shared/text/classifier.js';
import { ModelNotFoundError, type TextModelRegistry } from '../../shared/text/registry.js';
import { sentenceSpans } from '../../shared/text/sentences.js';
import {
  type AnalyzeCommentRequest,
  type AnalyzeCommentResponse,
  ATTRIBUTE_LABELS,
  type Attribute,
  LANGUAGE_ATTRIBUTES,
} from './schemas.js';

export const LANGUAGE_MODEL = 'language-id';
export const toxicityModel = (language: string) => `toxicity-${language}`;

/** An error Perspective clients understand: 400 INVALID_ARGUMENT with a typed detail. */
export class PerspectiveApiError extends ApiError {
  constructor(
    message: string,
    readonly perspectiveDetails: Record<string, unknown>[] = [],
    status: 400 | 404 = 400,
  ) {
    super(status, message);
  }
}

const ERROR_TYPE = 'type.googleapis.com/google.commentanalyzer.v1alpha1.Error';

export interface AnalyzeOutcome {
  response: AnalyzeCommentResponse;
  /** What the history keeps: the model behind TOXICITY (or the first attribute) and every summary. */
  model: string;
  version: string;
  language: string;
  scores: Record<string, number>;
}

export interface ScoringLimits {
  maxChars: number;
}

interface RequestedAttribute {
  key: string;
  attribute: Attribute;
  version: string | undefined;
  threshold: number | undefined;
}

/**
 * @example
 *   const scoring = new ToxicityScoring(registry, { maxChars: 20_000 });
 *   const { response } = await scoring.analyze({ comment: { text }, requestedAttributes: { TOXICITY: {} } });
 */
export class ToxicityScoring {
  constructor(
    private readonly registry: TextModelRegistry,
    readonly limits: ScoringLimits,
  ) {}

  /** `en`, `fr` or `other`, by the language-id model. */
  async detectLanguage(text: string): Promise<string> {
    const classifier = await this.registry.classifier(LANGUAGE_MODEL);
    const head = classifier.manifest.heads[0]!;
    const [scores] = await classifier.score([text.slice(0, classifier.manifest.limits.maxChars)]);
    return decide(head, scores?.[head.name] ?? {})[0] ?? 'other';
  }

  checkText(text: string): void {
    if (text.trim() === '') throw new PerspectiveApiError('Comment must be non-empty.');
    if (text.length > this.limits.maxChars) {
      throw new PerspectiveApiError(
        `Comment text too long: ${text.length} characters, the limit is ${this.limits.maxChars}.`,
      );
    }
  }

  async analyze(request: AnalyzeCommentRequest): Promise<AnalyzeOutcome> {
    const text = request.comment.text;
    this.checkText(text);
    const attributes = parseAttributes(request.requestedAttributes);
    const { language, detected } = await this.resolveLanguage(text, request.languages);
    const supported = LANGUAGE_ATTRIBUTES[language] ?? [];
    for (const a of attributes) {
      if (!supported.includes(a.attribute)) throw languageNotSupported(a.attribute, language, detected);
    }
    const spans = request.spanAnnotations ? sentenceSpans(text) : [];
    const texts = [text, ...spans.map((s) => text.slice(s.begin, s.end))];
    const byVersion = new Map<string, RequestedAttribute[]>();
    for (const a of attributes)
      byVersion.set(a.version ?? '', [...(byVersion.get(a.version ?? '') ?? []), a]);

    const attributeScores: AnalyzeCommentResponse['attributeScores'] = {};
    const scores: Record<string, number> = {};
    let primary: TextClassifier | undefined;
    for (const [version, group] of byVersion) {
      const classifier = await this.classifier(language, version || undefined);
      primary ??= classifier;
      if (group.some((a) => a.attribute === 'TOXICITY')) primary = classifier;
      const head = classifier.manifest.heads[0]!;
      const results = await classifier.score(texts);
      for (const a of group) {
        const label = ATTRIBUTE_LABELS[a.attribute];
        const value = results[0]?.[head.name]?.[label];
        if (value === undefined)
          throw new ApiError(500, `model ${classifier.manifest.name} has no label ${label}`);
        scores[a.key] = value;
        if (a.threshold !== undefined && value < a.threshold) continue;
        const spanScores = spans.flatMap((s, i) => {
          const v = results[i + 1]?.[head.name]?.[label] as number;
          return a.threshold !== undefined && v < a.threshold
            ? []
            : [{ begin: s.begin, end: s.end, score: { value: v, type: 'PROBABILITY' as const } }];
        });
        attributeScores[a.key] = {
          summaryScore: { value, type: 'PROBABILITY' },
          ...(request.spanAnnotations ? { spanScores } : {}),
        };
      }
    }
    return {
      response: {
        attributeScores,
        languages: [language],
        ...(detected ? { detectedLanguages: [language] } : {}),
        ...(request.clientToken !== undefined ? { clientToken: request.clientToken } : {}),
      },
      model: primary!.manifest.name,
      version: primary!.manifest.version,
      language,
      scores,
    };
  }

  /** The first requested language vigil supports, or the detected one. */
  async resolveLanguage(
    text: string,
    requested: string[] | undefined,
  ): Promise<{ language: string; detected: boolean }> {
    if (requested && requested.length > 0) {
      const codes = requested.map((l) => l.toLowerCase().split(/[-_]/)[0] as string);
      // Own keys only: `in` would also accept inherited names such as "constructor".
      const language = codes.find((c) => Object.hasOwn(LANGUAGE_ATTRIBUTES, c));
      if (!language) {
        throw new PerspectiveApiError(`Languages not supported: ${codes.join(', ')}. Supported: en, fr.`, [
          {
            '@type': ERROR_TYPE,
            errorType: 'LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE',
            languageNotSupportedByAttributeError: { requestedLanguages: codes },
          },
        ]);
      }
      return { language, detected: false };
    }
    const language = await this.detectLanguage(text);
    return { language: language === 'other' ? 'und' : language, detected: true };
  }

  async classifier(language: string, version?: string): Promise<TextClassifier> {
    try {
      return await this.registry.classifier(toxicityModel(language), version);
    } catch (error) {
      if (error instanceof ModelNotFoundError) {
        throw new PerspectiveApiError(
          `No model version ${version ?? '(champion)'} for language ${language}.`,
          [{ '@type': ERROR_TYPE, errorType: 'INVALID_ATTRIBUTE_VERSION' }],
        );
      }
      throw error;
    }
  }
}

const ATTRIBUTE_KEY = /^([A-Z_]+)(?:@(\d+(?:\.\d+){0,2}))?$/;

function parseAttributes(requested: AnalyzeCommentRequest['requestedAttributes']): RequestedAttribute[] {
  const entries = Object.entries(requested);
  if (entries.length === 0)
    throw new PerspectiveApiError('requestedAttributes must name at least one attribute.');
  return entries.map(([key, parameters]) => {
    const match = ATTRIBUTE_KEY.exec(key);
    const attribute = match?.[1] as Attribute | undefined;
    if (!match || !attribute || !(attribute in ATTRIBUTE_LABELS)) {
      throw new PerspectiveApiError(`Unknown attribute: ${key.slice(0, 64)}.`, [
        { '@type': ERROR_TYPE, errorType: 'INVALID_REQUESTED_ATTRIBUTE' },
      ]);
    }
    return { key, attribute, version: match[2], threshold: parameters.scoreThreshold };
  });
}

function languageNotSupported(
  attribute: Attribute,
  language: string,
  detected: boolean,
): PerspectiveApiError {
  return new PerspectiveApiError(`Attribute ${attribute} does not support request languages: ${language}`, [
    {
      '@type': ERROR_TYPE,
      errorType: 'LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE',
      languageNotSupportedByAttributeError: {
        attribute,
        ...(detected ? { detectedLanguages: [language] } : { requestedLanguages: [language] }),
      },
    },
  ]);
}
