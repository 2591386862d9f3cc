import { applyDecorators, HttpCode, SerializeOptions } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { ErrorEnvelopeSchema } from '@inferbench/contracts';
import { toOpenApiSchema, toQueryParameters } from './json-schema.js';

export interface ApiContractOptions {
  summary: string;
  /** request body schema (validated by `@Body({ schema })` on the parameter; here for the docs) */
  body?: z.ZodType;
  /** query schema (validated by `@Query({ schema })`; here for the docs) */
  query?: z.ZodType;
  /** path parameter names, e.g. ['id'] */
  params?: string[];
  /**
   * Response schema: every answer is validated and stripped with it (Nest's standard-schema serializer),
   * and documented. Omit for streams and empty answers.
   */
  response?: z.ZodType;
  /** documented (not serialized) response, for routes that write the reply themselves */
  docResponse?: z.ZodType;
  /** success status, default 200 */
  status?: number;
  /** content type of a non-JSON success answer (streams), for the docs */
  produces?: { contentType: string; description: string }[];
  /** error statuses this route may answer besides 500 */
  errors?: number[];
}

const ERROR_SCHEMA = toOpenApiSchema(ErrorEnvelopeSchema, 'output');

/**
 * One decorator per route carrying its contract: the success status, response serialization through the
 * zod schema (so nothing outside the contract leaks), and the OpenAPI description built from the same
 * zod schemas. Input validation stays on the parameters (`@Body({ schema })`, `@Query({ schema })`,
 * `@Param('id', { schema })`) where Nest's global StandardSchemaValidationPipe applies it.
 */
export function ApiContract(opts: ApiContractOptions): MethodDecorator {
  const status = opts.status ?? 200;
  const decorators: (MethodDecorator | ClassDecorator)[] = [ApiOperation({ summary: opts.summary })];
  if (opts.status !== undefined) decorators.push(HttpCode(opts.status));
  if (opts.docResponse) {
    decorators.push(
      ApiResponse({ status, description: 'OK', schema: toOpenApiSchema(opts.docResponse, 'output') }),
    );
  } else if (opts.response) {
    decorators.push(SerializeOptions({ schema: opts.response }));
    decorators.push(
      ApiResponse({ status, description: 'OK', schema: toOpenApiSchema(opts.response, 'output') }),
    );
  } else if (opts.produces) {
    decorators.push(
      ApiResponse({
        status,
        description: opts.produces.map((p) => p.description).join('; '),
        content: Object.fromEntries(
          opts.produces.map((p) => [p.contentType, { schema: { type: 'string' } }]),
        ),
      }),
    );
  } else {
    decorators.push(ApiResponse({ status, description: 'done' }));
  }
  if (opts.body) decorators.push(ApiBody({ schema: toOpenApiSchema(opts.body, 'input') }));
  if (opts.query) {
    for (const p of toQueryParameters(opts.query)) decorators.push(ApiQuery(p));
  }
  for (const name of opts.params ?? []) decorators.push(ApiParam({ name, type: 'string', required: true }));
  const errors = new Set([...(opts.errors ?? []), 500]);
  if (opts.body || opts.query || opts.params?.length) errors.add(400);
  if (opts.params?.length) errors.add(404);
  for (const s of [...errors].sort()) {
    decorators.push(ApiResponse({ status: s, description: 'error envelope', schema: ERROR_SCHEMA }));
  }
  return applyDecorators(...decorators);
}

export { ApiTags };
