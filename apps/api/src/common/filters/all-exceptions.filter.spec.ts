import { BadRequestException, HttpException, NotFoundException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { AppError, translatePrismaError } from '../errors/app-error.js';
import type { Logger } from '../logging/logger.js';
import { mapError } from './all-exceptions.filter.js';

function fakeLogger(): { logger: Logger; errors: unknown[][] } {
  const errors: unknown[][] = [];
  const logger = { error: (...args: unknown[]) => errors.push(args) } as unknown as Logger;
  return { logger, errors };
}

describe('mapError', () => {
  it('maps AppErrors through the status table with their details', () => {
    const { logger } = fakeLogger();
    const v = mapError(
      AppError.validation([{ path: 'variants.0.targetId', message: 'target not found' }]),
      logger,
      'req-1',
    );
    expect(v).toEqual({
      status: 400,
      envelope: {
        error: {
          code: 'VALIDATION_FAILED',
          message: 'request validation failed',
          details: { issues: [{ path: 'variants.0.targetId', message: 'target not found' }] },
          requestId: 'req-1',
        },
      },
    });
    expect(mapError(AppError.notFound('run', 'r1'), logger).status).toBe(404);
    expect(mapError(AppError.conflict('busy'), logger).envelope.error.code).toBe('CONFLICT');
  });

  it('maps HTTP errors by status (unknown route, bad JSON)', () => {
    const { logger } = fakeLogger();
    expect(mapError(new NotFoundException('Cannot GET /x'), logger).envelope.error).toEqual({
      code: 'NOT_FOUND',
      message: 'Cannot GET /x',
    });
    expect(mapError(new BadRequestException('bad'), logger).envelope.error.code).toBe('VALIDATION_FAILED');
    expect(
      mapError(Object.assign(new Error('Unsupported Media Type'), { statusCode: 415 }), logger).status,
    ).toBe(415);
  });

  it("names the field of Fastify's own 400s: the body it cannot parse, the URL it cannot decode", () => {
    const { logger } = fakeLogger();
    const badJson = Object.assign(new Error('Body is not valid JSON'), {
      code: 'FST_ERR_CTP_INVALID_JSON_BODY',
      statusCode: 400,
    });
    // as Nest's Fastify adapter hands it over: an HttpException caused by the Fastify error
    const wrapped = new HttpException(badJson.message, 400, { cause: badJson });
    for (const err of [badJson, wrapped]) {
      expect(mapError(err, logger).envelope.error.details).toEqual({
        issues: [{ path: '(root)', message: 'Body is not valid JSON' }],
      });
    }
    const badUrl = Object.assign(new Error("'/runs/%FF' is not a valid url component"), {
      code: 'FST_ERR_BAD_URL',
      statusCode: 400,
    });
    expect(mapError(badUrl, logger).envelope.error.details?.issues?.[0]?.path).toBe('url');
  });

  it('turns anything else into 500 INTERNAL with an errorId that is logged', () => {
    const { logger, errors } = fakeLogger();
    const m = mapError(new Error('db exploded'), logger, 'req-9');
    expect(m.status).toBe(500);
    expect(m.envelope.error.code).toBe('INTERNAL');
    expect(m.envelope.error.message).not.toContain('exploded');
    const errorId = m.envelope.error.details?.errorId;
    expect(errorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(errors).toHaveLength(1);
    expect(errors[0]![0]).toMatchObject({ errorId, requestId: 'req-9' });
  });

  it('translates Prisma unique and not-found errors', () => {
    expect(translatePrismaError({ code: 'P2002', meta: { target: ['name'] } }, 'target')).toMatchObject({
      code: 'CONFLICT',
    });
    expect(translatePrismaError({ code: 'P2025' }, 'target')).toMatchObject({ code: 'NOT_FOUND' });
    const other = new Error('x');
    expect(translatePrismaError(other)).toBe(other);
  });
});
