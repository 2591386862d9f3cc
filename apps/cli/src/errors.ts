import { ApiError } from '@inferbench/api-client';
import { CliError, EXIT } from './cli-error.js';

export { CliError, EXIT };

/** The exit code for an error that ended a command: its own for a CliError, 4 for an unreachable API, else 1. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof CliError) return err.exitCode;
  if (err instanceof ApiError && err.code === 'NETWORK') return EXIT.unreachable;
  return EXIT.error;
}

/**
 * One-line (or, for field issues, a short list) message for any error the CLI meets, with a hint where
 * the fix is obvious. `apiUrl` names the API the command talked to.
 */
export function describeError(err: unknown, apiUrl: string): string {
  if (err instanceof CliError) return err.message;
  if (err instanceof ApiError) {
    if (err.code === 'NETWORK') {
      return `cannot reach the inferbench API at ${apiUrl}. Start it (pnpm --filter @inferbench/api start, or pnpm demo) or point the CLI at it with --api <url> / INFERBENCH_API_URL.`;
    }
    if (err.code === 'VALIDATION_FAILED') {
      const issues = err.details?.issues ?? [];
      const lines = issues.map((i) => `  ${i.path}: ${i.message}`);
      return [`the API rejected the request: ${err.message}`, ...lines].join('\n');
    }
    if (err.code === 'BAD_RESPONSE') return `unexpected answer from the API at ${apiUrl}: ${err.message}`;
    return `API error ${err.status} ${err.code}: ${err.message}`;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}
