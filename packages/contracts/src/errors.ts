import { z } from 'zod';

/**
 * Error codes of the API error envelope. The HTTP status for each code lives in the API
 * (apps/api/src/common/errors). When each is thrown:
 * - VALIDATION_FAILED: a body, query or path parameter failed its schema (400); `details.issues` lists each field.
 * - NOT_FOUND: the id in the path does not exist (404).
 * - CONFLICT: unique constraint, or a state transition that is not allowed (409).
 * - NO_LIVE_AGENT: a run's pool has no live agent (409 at start, or the run's failure reason).
 * - UNAUTHORIZED: no valid credential (session cookie, `Authorization: Bearer` token) was sent (401).
 * - FORBIDDEN: the credential's scope or role is too weak for the route (403); `details.required` names the scope.
 * - RATE_LIMITED: too many requests from this client (429).
 * - INTERNAL: anything unexpected (500); `details.errorId` matches the server log line.
 */
export const ErrorCodeSchema = z.enum([
  'VALIDATION_FAILED',
  'NOT_FOUND',
  'CONFLICT',
  'NO_LIVE_AGENT',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'RATE_LIMITED',
  'INTERNAL',
]);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

/** One invalid field: `path` is the dotted field path (e.g. `variants.0.targetId`). */
export const FieldIssueSchema = z.object({ path: z.string(), message: z.string() });
export type FieldIssue = z.infer<typeof FieldIssueSchema>;

/** The one error envelope every non-2xx API response uses. */
export const ErrorEnvelopeSchema = z.object({
  error: z.object({
    code: ErrorCodeSchema,
    message: z.string(),
    details: z
      .object({ issues: z.array(FieldIssueSchema).optional(), errorId: z.string().optional() })
      .catchall(z.unknown())
      .optional(),
    requestId: z.string().optional(),
  }),
});
export type ErrorEnvelope = z.infer<typeof ErrorEnvelopeSchema>;

/** Convert zod issues into field issues with dotted paths. */
export function toFieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((i) => ({
    path: i.path.map(String).join('.') || '(root)',
    message: i.message,
  }));
}
