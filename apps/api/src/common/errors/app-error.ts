import type { ErrorCode, FieldIssue } from '@inferbench/contracts';

/** HTTP status of each error code of the envelope (the code enum itself lives in contracts). */
export const ERROR_STATUS: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  NO_LIVE_AGENT: 409,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  INTERNAL: 500,
};

/** A failure the API answers on purpose; the exception filter turns it into the error envelope. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  /** 404 for a missing resource, e.g. `notFound('target', id)`. */
  static notFound(what: string, id: string): AppError {
    return new AppError('NOT_FOUND', `${what} '${id}' not found`);
  }

  /** 400 naming the bad fields. */
  static validation(issues: FieldIssue[], message = 'request validation failed'): AppError {
    return new AppError('VALIDATION_FAILED', message, { issues });
  }

  /** 401: no valid credential. */
  static unauthorized(
    message = 'sign in, or send an API token as `Authorization: Bearer <token>`',
  ): AppError {
    return new AppError('UNAUTHORIZED', message);
  }

  /** 403: the credential is valid but its scope or role is too weak. */
  static forbidden(message: string, details?: Record<string, unknown>): AppError {
    return new AppError('FORBIDDEN', message, details);
  }

  static conflict(message: string, details?: Record<string, unknown>): AppError {
    return new AppError('CONFLICT', message, details);
  }
}

interface PrismaLikeError {
  code?: unknown;
  meta?: { target?: unknown; modelName?: unknown } | undefined;
}

/**
 * Translate Prisma's known request errors into {@link AppError} (STYLE.md J): P2002 unique violation →
 * CONFLICT, P2025 record not found → NOT_FOUND, P2003 foreign key → CONFLICT. Anything else is returned
 * unchanged so the filter reports it as INTERNAL.
 */
export function translatePrismaError(err: unknown, what = 'record'): unknown {
  if (typeof err !== 'object' || err === null) return err;
  const e = err as PrismaLikeError;
  switch (e.code) {
    case 'P2002':
      return AppError.conflict(`a ${what} with the same unique fields already exists`, {
        fields: e.meta?.target ?? null,
      });
    case 'P2025':
      return new AppError('NOT_FOUND', `${what} not found`);
    case 'P2003':
      return AppError.conflict(`${what} is still referenced by other records`);
    default:
      return err;
  }
}

/** Run `fn`, rethrowing Prisma errors as {@link AppError}s. */
export async function withPrismaErrors<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw translatePrismaError(err, what);
  }
}
