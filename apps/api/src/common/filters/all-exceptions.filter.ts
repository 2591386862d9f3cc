import { randomUUID } from 'node:crypto';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorCode, ErrorEnvelope } from '@inferbench/contracts';
import { AppError } from '../errors/app-error.js';
import type { Logger } from '../logging/logger.js';

/** What a thrown value becomes on the wire. */
export interface MappedError {
  status: number;
  envelope: ErrorEnvelope;
}

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  429: 'RATE_LIMITED',
};

/**
 * Map anything thrown while serving a request to the one error envelope: {@link AppError} through its
 * status table, Nest/Fastify HTTP errors (unknown route, unparseable JSON, wrong content type) by status,
 * and everything else to 500 INTERNAL with an `errorId` that also appears in the log line.
 */
export function mapError(err: unknown, logger: Logger, requestId?: string): MappedError {
  const rid = requestId ? { requestId } : {};
  if (err instanceof AppError) {
    return {
      status: err.status,
      envelope: {
        error: {
          code: err.code,
          message: err.message,
          ...(err.details ? { details: err.details } : {}),
          ...rid,
        },
      },
    };
  }
  const httpStatus = httpStatusOf(err);
  if (httpStatus !== undefined && httpStatus < 500) {
    const code = CODE_BY_STATUS[httpStatus] ?? 'VALIDATION_FAILED';
    const message = err instanceof HttpException ? httpExceptionMessage(err) : (err as Error).message;
    const field = fastifyErrorField(err);
    const details = field ? { details: { issues: [{ path: field, message }] } } : {};
    return { status: httpStatus, envelope: { error: { code, message, ...details, ...rid } } };
  }
  const errorId = randomUUID();
  logger.error({ err, errorId, requestId }, 'unhandled error while serving a request');
  return {
    status: 500,
    envelope: { error: { code: 'INTERNAL', message: 'internal error', details: { errorId }, ...rid } },
  };
}

function httpStatusOf(err: unknown): number | undefined {
  if (err instanceof HttpException) return err.getStatus();
  // Fastify's own errors (body parsing, content type, body size) carry `statusCode`
  if (typeof err === 'object' && err !== null && 'statusCode' in err) {
    const s = (err as { statusCode: unknown }).statusCode;
    if (typeof s === 'number' && s >= 400 && s < 600) return s;
  }
  return undefined;
}

/**
 * The field a 400 of Fastify itself is about: the body as a whole when it cannot be parsed (bad JSON,
 * prototype poisoning, empty JSON body), the URL when the router cannot decode it.
 */
function fastifyErrorField(err: unknown): string | undefined {
  // Nest's Fastify adapter wraps Fastify's 4xx errors in an HttpException whose `cause` is the original
  const original = err instanceof HttpException && err.cause !== undefined ? err.cause : err;
  const code =
    typeof original === 'object' && original !== null ? (original as { code?: unknown }).code : undefined;
  if (typeof code !== 'string') return undefined;
  if (code.startsWith('FST_ERR_CTP_')) return '(root)';
  if (code === 'FST_ERR_BAD_URL') return 'url';
  return undefined;
}

function httpExceptionMessage(err: HttpException): string {
  const res = err.getResponse();
  if (typeof res === 'string') return res;
  const m = (res as { message?: unknown }).message;
  if (Array.isArray(m)) return m.join('; ');
  return typeof m === 'string' ? m : err.message;
}

/** Global Nest exception filter writing the error envelope (STYLE.md J). */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const reply = ctx.getResponse<FastifyReply>();
    const request = ctx.getRequest<FastifyRequest | undefined>();
    const { status, envelope } = mapError(exception, this.logger, request?.id);
    // a hijacked (streaming) reply has already sent its headers; all we can do is end it
    if (reply.sent || reply.raw.headersSent) {
      reply.raw.end();
      return;
    }
    void reply.status(status).header('content-type', 'application/json; charset=utf-8').send(envelope);
  }
}
