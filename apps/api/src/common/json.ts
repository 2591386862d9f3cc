import type { Prisma } from '@inferbench/db';

/**
 * A contract-validated value as a Prisma JSON input. Zod types with `unknown` members (e.g. request
 * `extra`) are JSON by construction (they came from JSON.parse), which the type system cannot see.
 */
export function asJson(value: unknown): Prisma.InputJsonValue {
  return value as Prisma.InputJsonValue;
}
