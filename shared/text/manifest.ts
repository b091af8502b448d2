/** Schemas of a model folder's `manifest.json` (what serving needs) and `card.json` (how the model was made). */
import { z } from 'zod';
import { FeatureSpecSchema } from './features.js';

const Name = z
  .string()
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be kebab-case')
  .max(64)
  .describe('model name, kebab-case; also the folder name under models/');
const Version = z
  .string()
  .regex(/^\d+\.\d+\.\d+$/, 'must be MAJOR.MINOR.PATCH')
  .describe('model version; also the folder name under models/<name>/');
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');
const DateTime = z.iso.datetime({ offset: true }).describe('ISO 8601 date and time');
const Text = z.string().min(1);
const Count = z.number().int().nonnegative();
const Label = z.string().min(1).max(64);
// Head names become ONNX output names: the export reserves its input and initializer names and '/'.
const HeadName = z
  .string()
  .regex(/^[A-Za-z][\w-]*$/, 'must be a letter, then letters, digits, "_" or "-"')
  .max(64)
  .refine(
    (name) => !['indices', 'values', 'table', 'idf', 'weights', 'bias'].includes(name),
    'is reserved by the ONNX export',
  );

const Input = <T extends string>(dtype: T) =>
  z
    .object({
      dtype: z.literal(dtype),
      shape: z.tuple([z.literal('batch'), z.literal('width')]),
    })
    .strict();

type Issue = (message: string, path: PropertyKey[]) => void;
const issuer =
  (ctx: z.RefinementCtx): Issue =>
  (message, path) =>
    ctx.addIssue({ code: 'custom', message, path });

function checkLabels(labels: readonly string[], issue: Issue): void {
  const seen = new Set<string>();
  for (const [i, label] of labels.entries()) {
    if (seen.has(label)) issue('duplicate label', ['labels', i]);
    seen.add(label);
  }
}

function checkKeys(
  record: Record<string, number> | undefined,
  field: string,
  labels: Set<string>,
  issue: Issue,
) {
  for (const key of Object.keys(record ?? {}))
    if (!labels.has(key)) issue('not a label of this head', [field, key]);
}

const Thresholds = z
  .record(Label, z.number().min(0).max(1))
  .describe('label → probability at or above which the label is decided');

const SigmoidHead = z
  .object({
    name: HeadName.describe('ONNX output name'),
    activation: z.literal('sigmoid').describe('independent probabilities per label (multi-label)'),
    labels: z.array(Label).min(1).describe('output order of the ONNX head'),
    thresholds: Thresholds.describe('one per label'),
    thresholdsByLanguage: z
      .record(z.string().regex(/^[a-z]{2,3}$/), Thresholds)
      .optional()
      .describe(
        'operating points tuned on one language’s validation rows; override `thresholds` when the language is known',
      ),
  })
  .strict()
  .superRefine((head, ctx) => {
    const issue = issuer(ctx);
    checkLabels(head.labels, issue);
    checkKeys(head.thresholds, 'thresholds', new Set(head.labels), issue);
    for (const [language, thresholds] of Object.entries(head.thresholdsByLanguage ?? {}))
      checkKeys(thresholds, `thresholdsByLanguage.${language}`, new Set(head.labels), issue);
    for (const label of head.labels)
      if (!Object.hasOwn(head.thresholds, label))
        issue('missing threshold for this label', ['thresholds', label]);
  });

const SoftmaxHead = z
  .object({
    name: HeadName.describe('ONNX output name'),
    activation: z.literal('softmax').describe('one distribution over the labels (multi-class)'),
    labels: z.array(Label).min(1).describe('output order of the ONNX head'),
    thresholds: Thresholds.optional().describe('informational operating points; decisions use the argmax'),
    decisionOffsets: z
      .record(Label, z.number())
      .optional()
      .describe('label → offset added to its log-probability before the argmax (prior correction)'),
  })
  .strict()
  .superRefine((head, ctx) => {
    const issue = issuer(ctx);
    const labels = new Set(head.labels);
    checkLabels(head.labels, issue);
    checkKeys(head.thresholds, 'thresholds', labels, issue);
    checkKeys(head.decisionOffsets, 'decisionOffsets', labels, issue);
  });

const Head = z.discriminatedUnion('activation', [SigmoidHead, SoftmaxHead]);

export const TextModelManifestSchema = z
  .object({
    schema: z.literal('vigil.text-model/1').describe('format version of this file'),
    name: Name,
    version: Version,
    task: Text.describe('what the model detects, e.g. "toxicity"'),
    createdAt: DateTime,
    languages: z
      .array(z.string().regex(/^[a-z]{2,3}$/, 'must be an ISO 639 code'))
      .min(1)
      .describe('languages the model was trained and evaluated on'),
    inputs: z
      .object({ indices: Input('int64'), values: Input('float32') })
      .strict()
      .describe('ONNX inputs: padded bucket indices and their tf values'),
    features: FeatureSpecSchema.describe('featurizer spec; serving must hash exactly as training did'),
    heads: z
      .array(Head)
      .min(1)
      .superRefine((heads, ctx) => {
        const seen = new Set<string>();
        for (const [i, head] of heads.entries()) {
          if (seen.has(head.name))
            ctx.addIssue({ code: 'custom', message: 'duplicate head name', path: [i, 'name'] });
          seen.add(head.name);
        }
      })
      .describe('ONNX outputs, in model order'),
    limits: z
      .object({
        maxChars: z.number().int().positive().describe('longest text accepted, in UTF-16 code units'),
      })
      .strict(),
    model: z
      .object({
        file: z.literal('model.onnx'),
        sha256: Sha256.describe('of model.onnx; a mismatch refuses to serve'),
        bytes: z.number().int().positive().describe('size of model.onnx'),
      })
      .strict(),
  })
  .strict();
export type TextModelManifest = z.infer<typeof TextModelManifestSchema>;
export type TextModelHead = TextModelManifest['heads'][number];

const DataSource = z
  .object({
    corpus: Text.describe('corpus name, as in shared/data/SOURCES.md'),
    split: Text.describe('e.g. "train", "test"'),
    file: Text.describe('file the rows were read from'),
    rows: Count.describe('rows used from the file'),
    sha256: Sha256.describe('of the file'),
    provenance: Text.describe('where the data comes from and under which licence'),
  })
  .strict();

export const ModelCardSchema = z
  .object({
    schema: z.literal('vigil.model-card/1').describe('format version of this file'),
    name: Name,
    version: Version,
    summary: Text.describe('one paragraph: what the model does and how well'),
    intendedUse: Text.describe('who should use it for what, and what not'),
    data: z
      .object({
        training: z.array(DataSource).min(1),
        evaluation: z.array(DataSource).describe('held-out sets the metrics were computed on'),
      })
      .strict(),
    training: z
      .object({
        command: Text.describe('command that reproduces the model'),
        seconds: z.number().nonnegative().describe('wall-clock training time'),
        rows: Count.describe('training rows'),
        validationRows: Count.describe('rows held out for model selection'),
        hyperparameters: z.record(z.string(), z.unknown()).describe('everything the command chose'),
        machine: Text.describe('CPU model and core count the timing was measured on'),
        nodeVersion: Text,
      })
      .strict(),
    metrics: z.array(
      z
        .object({
          dataset: Text,
          split: Text,
          metric: Text.describe('e.g. "roc_auc", "macro_f1"'),
          label: z.string().optional().describe('absent for metrics over all labels'),
          value: z.number().describe('the measured value'),
        })
        .strict(),
    ),
    baselines: z.array(
      z
        .object({
          dataset: Text,
          metric: Text,
          baseline: z.number().describe('published or reproduced figure to compare with'),
          vigil: z.number().describe('this model on the same dataset and metric'),
          source: Text.describe('citation or URL of the baseline figure'),
        })
        .strict(),
    ),
    size: z
      .object({
        onnxBytes: z.number().int().positive().describe('size of model.onnx'),
        parameters: z.number().int().positive().describe('weights + biases'),
      })
      .strict(),
    checksum: z.object({ onnxSha256: Sha256.describe('of model.onnx') }).strict(),
    limits: z.array(Text).min(1).describe('known failure modes and out-of-scope uses'),
    createdAt: DateTime,
  })
  .strict();
export type ModelCard = z.infer<typeof ModelCardSchema>;

export function parseManifest(json: unknown, where: string): TextModelManifest {
  return parseWith(TextModelManifestSchema, 'model manifest', json, where);
}

export function parseCard(json: unknown, where: string): ModelCard {
  return parseWith(ModelCardSchema, 'model card', json, where);
}

// Messages and paths are clipped: a hostile or broken file must not flood logs through its values or keys.
const clip = (s: string, max = 120) => (s.length > max ? `${s.slice(0, max)}…` : s);

function parseWith<S extends z.ZodType>(schema: S, what: string, json: unknown, where: string): z.output<S> {
  const result = schema.safeParse(json);
  if (result.success) return result.data;
  const [first, ...rest] = result.error.issues;
  const path = first?.path.length ? first.path.map(String).join('.') : '(root)';
  const more = rest.length > 0 ? ` (and ${rest.length} more)` : '';
  throw new Error(`${where}: invalid ${what} at ${clip(path)}: ${clip(first?.message ?? 'invalid')}${more}`);
}
