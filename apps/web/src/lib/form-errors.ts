import { ApiError } from '@inferbench/api-client';
import { toFieldIssues } from '@inferbench/contracts';

/** `{ 'variants.0.targetId': 'Required' }` from a zod safeParse failure (first message per path wins). */
export function fieldErrorsFromIssues(error: Parameters<typeof toFieldIssues>[0]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of toFieldIssues(error)) out[issue.path] ??= issue.message;
  return out;
}

/** Field errors of a 400 answer from the API, or an empty object for other errors. */
export function fieldErrorsFromApi(error: unknown): Record<string, string> {
  return error instanceof ApiError && error.code === 'VALIDATION_FAILED' ? error.fieldErrors() : {};
}

/** Errors whose path starts with `prefix` but are not in `shown` (so none is silently lost). */
export function leftoverErrors(errors: Record<string, string>, shown: Set<string>): [string, string][] {
  return Object.entries(errors).filter(([path]) => !shown.has(path));
}
