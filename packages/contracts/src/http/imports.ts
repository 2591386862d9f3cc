import { z } from 'zod';
import { IdSchema } from '../common.js';
import { SourceToolSchema } from '../imports.js';
import { wellFormedText } from '../text.js';

/** Largest imported file, bytes of UTF-8 (a detailed vLLM result with 10k requests is ~20 MB). */
export const MAX_IMPORT_FILE_BYTES = 50 * 1024 * 1024;

/**
 * `POST /imports`: a result file of another tool (text) to store as a completed run of an experiment, named by
 * `experimentId` or by its exact `experiment` name. `variantLabel` (default: the tool's name) picks the
 * experiment's variant, created when missing; `tool` skips detection.
 */
export const CreateImportRequestSchema = z
  .object({
    experimentId: IdSchema.optional(),
    experiment: z.string().trim().min(1).max(200).optional(),
    variantLabel: z.string().trim().min(1).max(100).optional(),
    tool: SourceToolSchema.optional(),
    fileName: z.string().trim().min(1).max(255),
    content: z.string().min(1).max(MAX_IMPORT_FILE_BYTES),
  })
  .refine((b) => (b.experimentId === undefined) !== (b.experiment === undefined), {
    message: 'name the experiment by exactly one of experimentId or experiment',
    path: ['experimentId'],
  })
  .apply(wellFormedText);
export type CreateImportRequest = z.infer<typeof CreateImportRequestSchema>;

/** Export formats of `GET /runs/:id/export` (JSON lines of raw samples: `GET /load-points/:id/samples`). */
export const RunExportFormatSchema = z.enum(['vllm', 'csv']);
export type RunExportFormat = z.infer<typeof RunExportFormatSchema>;

/**
 * `GET /runs/:id/export` query. `vllm`: one vLLM result JSON object per finished point (JSON lines, as vLLM's
 * `--append-result` writes them; one object with `point`); `csv`: one summary row per point.
 */
export const RunExportQuerySchema = z.object({
  format: RunExportFormatSchema,
  /** only the point with this ordinal */
  point: z.coerce.number().int().min(0).optional(),
});
export type RunExportQuery = z.infer<typeof RunExportQuerySchema>;
