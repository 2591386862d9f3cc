import { StandardSchemaValidationPipe } from '@nestjs/common';
import { findTextIssues, type FieldIssue } from '@inferbench/contracts';
import { AppError } from '../errors/app-error.js';

interface StandardIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/** Standard Schema issues → field issues with dotted paths (`variants.0.targetId`). */
export function toFieldIssuesFromStandard(issues: readonly StandardIssue[], root?: string): FieldIssue[] {
  return issues.map((i) => {
    const segments = (i.path ?? []).map((s) => String(typeof s === 'object' && s !== null ? s.key : s));
    const path = [root, ...segments].filter((s): s is string => s !== undefined && s !== '').join('.');
    return { path: path || '(root)', message: i.message };
  });
}

/**
 * The global validation pipe: Nest's built-in standard-schema pipe (zod 4 schemas are standard schemas),
 * validating every `@Body({ schema })`, `@Query({ schema })` and `@Param(name, { schema })` and
 * answering 400 VALIDATION_FAILED with one issue per bad field. A single path parameter's issue is
 * named after the parameter.
 *
 * Backstop for text PostgreSQL cannot store: request schemas reject NUL characters, unpaired surrogates and
 * runaway nesting themselves (`wellFormedText` in contracts), and the pipe runs the same check
 * (`findTextIssues`) over every validated body, query and path parameter, so a new route or a schema
 * that forgot the wrapper still answers 400 naming the field instead of a 500 from the database.
 */
export function createValidationPipe(): StandardSchemaValidationPipe {
  return new (class extends StandardSchemaValidationPipe {
    // oxlint-disable-next-line typescript/no-explicit-any -- mirrors the base signature
    override async transform<T = any>(
      value: T,
      metadata: Parameters<StandardSchemaValidationPipe['transform']>[1],
    ): Promise<T> {
      try {
        const out = await super.transform(value, metadata);
        const textIssues = metadata.type === 'custom' ? [] : findTextIssues(out);
        if (textIssues.length) {
          throw AppError.validation(
            toFieldIssuesFromStandard(
              textIssues.map((i) => ({ message: i.message, path: i.path })),
              metadata.data,
            ),
            'request validation failed',
          );
        }
        return out;
      } catch (err) {
        if (err instanceof ParamIssues) {
          throw AppError.validation(
            toFieldIssuesFromStandard(err.issues, metadata.data),
            'request validation failed',
          );
        }
        throw err;
      }
    }
  })({ exceptionFactory: (issues) => new ParamIssues(issues) });
}

class ParamIssues extends Error {
  constructor(readonly issues: readonly StandardIssue[]) {
    super('validation failed');
  }
}
