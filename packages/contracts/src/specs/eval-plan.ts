import { z } from 'zod';
import { EvalSuiteSchema } from './eval-suite.js';

/**
 * The eval part of an experiment (issue 11 item 5): which suites every variant is scored on, and how the eval runs
 * relative to the load plan. Additive and optional: an experiment without `evals` runs exactly as before.
 */

/** Names of the suites shipped with `@inferbench/evals` (`loadBuiltinSuite`). */
export const BUILTIN_EVAL_SUITES = ['mini', 'mini-likelihood'] as const;
export const BuiltinEvalSuiteNameSchema = z.enum(BUILTIN_EVAL_SUITES);
export type BuiltinEvalSuiteName = z.infer<typeof BuiltinEvalSuiteNameSchema>;

/** A suite reference in an experiment: a built-in suite's name, or a whole suite inline. */
export const EvalSuiteRefSchema = z.union([BuiltinEvalSuiteNameSchema, EvalSuiteSchema]);
export type EvalSuiteRef = z.infer<typeof EvalSuiteRefSchema>;
export type EvalSuiteRefInput = z.input<typeof EvalSuiteRefSchema>;

/**
 * `standalone`: one eval work item per variant, run after (and never at the same time as) the variant's load
 * points on its target. `alongside-load`: the eval runs concurrently with one load point of the variant
 * (`alongsidePoint`), so the score is measured in the served configuration under that load.
 */
export const EvalModeSchema = z.enum(['standalone', 'alongside-load']);
export type EvalMode = z.infer<typeof EvalModeSchema>;

export const ExperimentEvalsSchema = z
  .object({
    /** built-in suite names and/or inline suites; their tasks are run in order (task ids must be unique overall) */
    suites: z.array(EvalSuiteRefSchema).min(1).max(20),
    /** items evaluated at once per variant (requests in flight; likelihood tasks send one per option) */
    concurrency: z.number().int().min(1).max(1024).default(8),
    mode: EvalModeSchema.default('standalone'),
    /**
     * `alongside-load`: position (0-based) of the load point, among the variant's points in plan order, that the
     * eval runs with; default 0. Ignored in standalone mode.
     */
    alongsidePoint: z.number().int().min(0).optional(),
    /** only these task ids (of the suites above); absent = every task */
    tasks: z.array(z.string().min(1)).min(1).optional(),
    /** seed sent with every generation request (repeat r sends seed + r) when the task sets none; default 1234 */
    seed: z.number().int().optional(),
  })
  .strict();
export type ExperimentEvals = z.infer<typeof ExperimentEvalsSchema>;
export type ExperimentEvalsInput = z.input<typeof ExperimentEvalsSchema>;
