import { z } from 'zod';

/**
 * Eval suites (issue 11). A suite is a list of tasks; a task = dataset + prompt template + few-shot setting +
 * scoring mode (with its extraction) + metrics. Suites are files (YAML or JSON) parsed with `EvalSuiteSchema`.
 * Definitions of every accuracy figure: shared METRICS.md, section "Accuracy (evals)". The pure implementation
 * (loaders, templates, request building, extraction, metrics) is `@inferbench/evals`.
 */

/** One normalised dataset item, whatever the file layout it came from. */
export const EvalItemSchema = z.object({
  /** stable id inside the dataset (the loader assigns `row-<n>` when the file has none) */
  id: z.string().min(1),
  /** the question / text / source sentence */
  input: z.string(),
  /** optional passage the question refers to */
  context: z.string().optional(),
  /** multiple choice: the option texts, in file order */
  choices: z.array(z.string()).optional(),
  /** multiple choice: index of the right option in `choices` */
  answerIndex: z.number().int().min(0).optional(),
  /**
   * the reference answer (numeric answer as text, label, short answer, translation); for multiple choice the
   * right option's letter
   */
  answer: z.string().optional(),
  /** all acceptable references (QA aliases, several translations); `answer` is always the first when present */
  references: z.array(z.string()).optional(),
  /** anything else from the row, available to templates as `item.meta` */
  meta: z.record(z.string(), z.unknown()).optional(),
});
export type EvalItem = z.infer<typeof EvalItemSchema>;

/** Known on-disk layouts; `generic` uses `columns` only. */
export const EvalDatasetLayoutSchema = z.enum([
  /** CSV `question,A,B,C,D,answer` (answer a letter); header optional */
  'mmlu_csv',
  /** JSONL `{question, answer}` where the answer ends with `#### <number>` */
  'gsm8k',
  /** JSONL ARC: `{id, question: {stem, choices: [{label, text}]}, answerKey}` or flat `{question, choices: {label[], text[]}, answerKey}` */
  'arc',
  /** JSONL HellaSwag: `{ctx, endings[], label}` */
  'hellaswag',
  /** generic QA: `{question, answer | answers[]}` (SQuAD-like `answers.text[]` accepted) */
  'qa',
  /** classification: `{text, label}` */
  'classification',
  /** translation pairs: `{source, target}` (or `{translation: {<src>: .., <tgt>: ..}}` with `sourceLang`/`targetLang`) */
  'translation',
  /** the normalised `EvalItem` shape itself, or any shape through `columns` */
  'generic',
]);
export type EvalDatasetLayout = z.infer<typeof EvalDatasetLayoutSchema>;

/** Which source column fills which item field (for `generic`, or to override a layout's default names). */
export const EvalColumnMappingSchema = z.object({
  id: z.string().optional(),
  input: z.string().optional(),
  context: z.string().optional(),
  /** one column holding an array, or several columns (e.g. ["A","B","C","D"]) */
  choices: z.union([z.string(), z.array(z.string()).min(2)]).optional(),
  /** column of the answer: an index, a letter or the text */
  answer: z.string().optional(),
  /** column holding an array of references */
  references: z.string().optional(),
});
export type EvalColumnMapping = z.infer<typeof EvalColumnMappingSchema>;

/** Where items come from. */
export const EvalDatasetSpecSchema = z
  .object({
    /** a built-in dataset name (`builtin:<name>`), or a path (JSONL, JSON array, CSV, Parquet) read by the agent */
    source: z.string().min(1),
    /** default: from the file extension (`.jsonl`/`.json`/`.csv`/`.parquet`) */
    format: z.enum(['jsonl', 'json', 'csv', 'parquet']).optional(),
    layout: EvalDatasetLayoutSchema.default('generic'),
    columns: EvalColumnMappingSchema.optional(),
    /** for `translation` layouts with a `translation` object */
    sourceLang: z.string().optional(),
    targetLang: z.string().optional(),
    /** few-shot examples: another source in the same format/layout (a train split) */
    trainSource: z.string().min(1).optional(),
    /** use only the first N items (after loading, before any shuffle) */
    limit: z.number().int().min(1).optional(),
  })
  .strict();
export type EvalDatasetSpec = z.infer<typeof EvalDatasetSpecSchema>;

export const FewShotSpecSchema = z
  .object({
    /** zero: none; fixed: the first k train items (or `ids`); random: k seeded per item; similar: top-k BM25 */
    mode: z.enum(['zero', 'fixed', 'random', 'similar']).default('zero'),
    k: z.number().int().min(0).max(64).default(0),
    /** fixed mode: these train item ids in this order */
    ids: z.array(z.string()).optional(),
    seed: z.number().int().default(1234),
    /** one prompt with all examples before the question, or one user/assistant turn per example (chat) */
    style: z.enum(['single_prompt', 'multi_turn']).default('single_prompt'),
    /** text between examples in single-prompt style */
    separator: z.string().default('\n\n'),
  })
  .strict();
export type FewShotSpec = z.infer<typeof FewShotSpecSchema>;

export const EvalPromptSpecSchema = z
  .object({
    /** chat messages (`/v1/chat/completions`) or completion text (`/v1/completions`) */
    format: z.enum(['chat', 'completion']).default('chat'),
    /** Liquid template (sandboxed: no file access, own properties only); variables: see packages/evals/README.md */
    system: z.string().optional(),
    template: z.string().min(1),
    /**
     * Liquid template of an example's answer in few-shot prompts (also the continuation prefix for likelihood
     * scoring); default `{{ answer }}`
     */
    answerTemplate: z.string().optional(),
    /** in completion format and single-prompt few-shot: text between an example's prompt and its answer */
    answerSeparator: z.string().default(' '),
  })
  .strict();
export type EvalPromptSpec = z.infer<typeof EvalPromptSpecSchema>;

export const ExtractSpecSchema = z.discriminatedUnion('kind', [
  /** first / last standalone option letter among the item's options (A, B, ...), "answer is (C)" preferred */
  z.object({ kind: z.literal('option_letter'), which: z.enum(['first', 'last']).default('first') }).strict(),
  /** the first / last number in the answer (commas, $, % stripped), compared numerically */
  z
    .object({
      kind: z.literal('number'),
      which: z.enum(['first', 'last']).default('first'),
      /** absolute tolerance for numeric comparison, default 1e-6 */
      tolerance: z.number().min(0).default(1e-6),
    })
    .strict(),
  /** a regex; the first capture group (or the whole match) is the answer */
  z.object({ kind: z.literal('regex'), pattern: z.string().min(1), flags: z.string().default('') }).strict(),
  /** one of `labels` (whole word, case-insensitive); several different labels found → invalid */
  z.object({ kind: z.literal('label'), labels: z.array(z.string()).min(1) }).strict(),
  /** a field of the first JSON object in the answer, by dotted path */
  z.object({ kind: z.literal('json_field'), path: z.string().min(1) }).strict(),
  /** the whole answer text, trimmed (EM/F1/BLEU/ROUGE-L tasks) */
  z.object({ kind: z.literal('text'), firstLine: z.boolean().default(true) }).strict(),
]);
export type ExtractSpec = z.infer<typeof ExtractSpecSchema>;

export const AssertionSpecSchema = z.discriminatedUnion('kind', [
  z
    .object({ kind: z.literal('contains'), value: z.string(), caseSensitive: z.boolean().default(false) })
    .strict(),
  z
    .object({ kind: z.literal('not_contains'), value: z.string(), caseSensitive: z.boolean().default(false) })
    .strict(),
  z.object({ kind: z.literal('regex'), pattern: z.string().min(1), flags: z.string().default('') }).strict(),
  z.object({ kind: z.literal('is_json') }).strict(),
  /** the first JSON value in the answer validates against this JSON Schema (ajv, draft 2020-12 subset / draft-07) */
  z.object({ kind: z.literal('json_schema'), schema: z.record(z.string(), z.unknown()) }).strict(),
  /** the answer contains the item's reference (normalised as for EM) */
  z.object({ kind: z.literal('contains_reference') }).strict(),
]);
export type AssertionSpec = z.infer<typeof AssertionSpecSchema>;

export const EvalMetricNameSchema = z.enum([
  'accuracy',
  'exact_match',
  'f1',
  'bleu',
  'rouge_l',
  'classification',
  'parse_failure_rate',
  'assert_pass_rate',
  'judge_score',
]);
export type EvalMetricName = z.infer<typeof EvalMetricNameSchema>;

export const EvalScoringSpecSchema = z.discriminatedUnion('mode', [
  /** (a) generate text, then extract an answer */
  z.object({ mode: z.literal('generate'), extract: ExtractSpecSchema }).strict(),
  /** (b) next-token option letter from the top logprobs of the first generated token */
  z
    .object({ mode: z.literal('next_token'), topLogprobs: z.number().int().min(1).max(20).default(20) })
    .strict(),
  /** (c) full option log-likelihood via completions echo + logprobs; `chars` makes acc_norm the item score (both reported) */
  z
    .object({ mode: z.literal('loglikelihood'), normalize: z.enum(['none', 'chars']).default('none') })
    .strict(),
  /** (d) assertions on the generated text; an item passes when all pass */
  z.object({ mode: z.literal('assert'), assertions: z.array(AssertionSpecSchema).min(1) }).strict(),
  /** (e) LLM-as-judge: a rubric prompt to a judge target (the caller's), verdict parsed */
  z
    .object({
      mode: z.literal('judge'),
      rubric: z.string().min(1),
      /** `binary`: CORRECT / INCORRECT; `scale`: an integer 1..max; passing = score ≥ passAt */
      verdict: z.enum(['binary', 'scale']).default('binary'),
      scaleMax: z.number().int().min(2).max(100).default(5),
      passAt: z.number().int().min(1).optional(),
    })
    .strict(),
]);
export type EvalScoringSpec = z.infer<typeof EvalScoringSpecSchema>;

export const EvalGenerationSpecSchema = z
  .object({
    maxTokens: z.number().int().min(1).default(256),
    temperature: z.number().min(0).max(2).default(0),
    topP: z.number().gt(0).max(1).optional(),
    stop: z.array(z.string()).max(4).optional(),
    /** base seed sent to the server; repeat r sends seed + r */
    seed: z.number().int().optional(),
    /** reasoning models: reasoning is never scored; `strip` drops `<think>…</think>`, `separate` keeps it in the record */
    reasoning: z.enum(['strip', 'separate']).default('separate'),
  })
  .strict();
export type EvalGenerationSpec = z.infer<typeof EvalGenerationSpecSchema>;

export const EvalTaskSpecSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'lowercase letters, digits, _ . -'),
    description: z.string().optional(),
    dataset: EvalDatasetSpecSchema,
    prompt: EvalPromptSpecSchema,
    fewShot: FewShotSpecSchema.default({
      mode: 'zero',
      k: 0,
      seed: 1234,
      style: 'single_prompt',
      separator: '\n\n',
    }),
    scoring: EvalScoringSpecSchema,
    generation: EvalGenerationSpecSchema.default({ maxTokens: 256, temperature: 0, reasoning: 'separate' }),
    /** metrics reported; the first is the task score (default: accuracy) */
    metrics: z.array(EvalMetricNameSchema).min(1).default(['accuracy']),
    /** classification label set (for `classification` metrics; also `labels` in templates) */
    labels: z.array(z.string()).optional(),
    /** CircularEval: ask every rotation of the options; the item is right only if all rotations are */
    circular: z.boolean().default(false),
    /** samples per item; score = mean over samples, and majority vote of the extracted answers */
    repeats: z.number().int().min(1).max(64).default(1),
    tags: z.array(z.string()).default([]),
  })
  .strict();
export type EvalTaskSpec = z.infer<typeof EvalTaskSpecSchema>;
export type EvalTaskSpecInput = z.input<typeof EvalTaskSpecSchema>;

export const EvalSuiteSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    version: z.string().optional(),
    tasks: z
      .array(EvalTaskSpecSchema)
      .min(1)
      .refine((t) => new Set(t.map((x) => x.id)).size === t.length, 'task ids must be unique'),
  })
  .strict();
export type EvalSuite = z.infer<typeof EvalSuiteSchema>;
export type EvalSuiteInput = z.input<typeof EvalSuiteSchema>;
