/** Working examples for `GET /api/v1/hatecomment/examples`: French and English, single and batch, with curl. */
import { z } from '@hono/zod-openapi';

export const ExampleList = z
  .object({
    examples: z.array(
      z.object({
        title: z.string(),
        language: z.enum(['fr', 'en', 'fr+en']),
        method: z.literal('POST'),
        path: z.string(),
        body: z.record(z.string(), z.unknown()),
        expected: z
          .string()
          .openapi({ description: 'What vigil answers for it (checked by the test suite)' }),
        curl: z.string(),
      }),
    ),
  })
  .openapi('HateExamples');

const curl = (path: string, body: unknown) =>
  `curl -X POST "http://localhost:8080/hate-speech${path}" -H "Content-Type: application/json" -H "X-API-Key: $VIGIL_API_KEY" -d '${JSON.stringify(body).replace(/'/g, "'\\''")}'`;

const example = (
  title: string,
  language: 'fr' | 'en' | 'fr+en',
  path: string,
  body: Record<string, unknown>,
  expected: string,
) => ({
  title,
  language,
  method: 'POST' as const,
  path,
  body,
  expected,
  curl: curl(path, body),
});

export const EXAMPLES: z.infer<typeof ExampleList> = {
  examples: [
    example(
      'Propos haineux en français',
      'fr',
      '/api/v1/hatecomment/detect',
      { text: 'Les musulmans sont tous des terroristes, il faut les expulser', include_reasoning: true },
      'HAINEUX',
    ),
    example(
      'Texte normal en français',
      'fr',
      '/api/v1/hatecomment/detect',
      { text: "J'adore me promener au parc avec mes enfants" },
      'NON-HAINEUX',
    ),
    example(
      'Hate speech in English',
      'en',
      '/api/v1/hatecomment/detect',
      { text: 'All Muslims are terrorists and should be expelled', include_reasoning: true },
      'HAINEUX',
    ),
    example(
      'Normal English text',
      'en',
      '/api/v1/hatecomment/detect',
      { text: 'I love this sunny day at the beach' },
      'NON-HAINEUX',
    ),
    example(
      'Batch, both languages',
      'fr+en',
      '/api/v1/hatecomment/batch-detect',
      {
        texts: ['Hello world', "J'adore me promener au parc avec mes enfants", 'I love this day'],
        include_reasoning: false,
      },
      'NON-HAINEUX ×3',
    ),
  ],
};
