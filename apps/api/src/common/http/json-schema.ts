import { z } from 'zod';

type JsonSchema = Record<string, unknown>;

/**
 * JSON Schema (draft 2020-12, which OpenAPI 3.1 uses) of a zod schema, for the OpenAPI document only.
 * `io: 'input'` describes what a client may send (defaults optional); `'output'` what the API answers.
 */
export function toOpenApiSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  delete json.$schema;
  return json;
}

/** One OpenAPI query parameter per property of a zod object schema (query strings are flat). */
export function toQueryParameters(
  schema: z.ZodType,
): { name: string; required: boolean; schema: JsonSchema; description?: string }[] {
  const json = toOpenApiSchema(schema, 'input');
  const props = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required as string[] | undefined) ?? []);
  return Object.entries(props).map(([name, s]) => ({
    name,
    required: required.has(name),
    schema: s,
    ...(typeof s.description === 'string' ? { description: s.description } : {}),
  }));
}
