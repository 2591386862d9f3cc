/**
 * Exit codes and the CLI's own error class, with no imports: cli.ts loads this at start-up, so `inferbench --help`
 * does not pull in the API client (errors.ts re-exports both, with the functions that need `ApiError`).
 */

/** Exit codes of the `inferbench` command. */
export const EXIT = {
  ok: 0,
  /** usage error, API error (404, 400, ...), bench with no successful request */
  error: 1,
  /** the run (or bench load point) failed, or a completed run has a failed load point */
  failed: 2,
  /** the run was cancelled */
  cancelled: 3,
  /** the inferbench API could not be reached (nothing answered at its URL) */
  unreachable: 4,
  /** interrupted by Ctrl-C */
  interrupted: 130,
} as const;

/** An error the CLI reports as one clear line (no stack) with a chosen exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.error,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
