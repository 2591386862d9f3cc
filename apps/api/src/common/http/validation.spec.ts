import type { ArgumentMetadata } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { NUL_CHARACTER_MESSAGE, NUL_KEY_MESSAGE } from '@inferbench/contracts';
import { AppError } from '../errors/app-error.js';
import { createValidationPipe } from './validation.js';

async function issuesOf(p: Promise<unknown>): Promise<unknown> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).status).toBe(400);
  return (err as AppError).details?.issues;
}

describe('the validation pipe', () => {
  const pipe = createValidationPipe();

  it('rejects text PostgreSQL cannot store even when the schema does not (backstop), naming the field', async () => {
    // a schema without `wellFormedText`, as a new route might have
    const schema = z.object({ name: z.string(), extra: z.record(z.string(), z.unknown()) });
    const body: ArgumentMetadata = { type: 'body', schema } as ArgumentMetadata;
    expect(await issuesOf(pipe.transform({ name: 'a\u0000', extra: {} }, body))).toEqual([
      { path: 'name', message: NUL_CHARACTER_MESSAGE },
    ]);
    expect(await issuesOf(pipe.transform({ name: 'a', extra: { 'k\u0000': 1 } }, body))).toEqual([
      { path: 'extra.k\u0000', message: NUL_KEY_MESSAGE },
    ]);
    const param = { type: 'param', data: 'id', schema: z.string() } as ArgumentMetadata;
    expect(await issuesOf(pipe.transform('x\u0000', param))).toEqual([
      { path: 'id', message: NUL_CHARACTER_MESSAGE },
    ]);
    expect(await pipe.transform({ name: 'ok \u{1F600}', extra: { a: ['b'] } }, body)).toEqual({
      name: 'ok \u{1F600}',
      extra: { a: ['b'] },
    });
  });
});
