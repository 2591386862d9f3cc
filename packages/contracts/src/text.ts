import type { z } from 'zod';

/**
 * Text the database can store. PostgreSQL rejects a NUL character (U+0000) in `text` and in `jsonb`, and a
 * lone UTF-16 surrogate (U+D800–U+DFFF without its pair) either breaks `jsonb` or is silently replaced by
 * U+FFFD. Free-form JSON nested without bound also breaks serialization. So every request the API accepts
 * is checked as a whole: every string, every object key, at any depth (free-form records such as run
 * `metadata` or variant `params.extra` included).
 */
export const MAX_REQUEST_DEPTH = 64;

export const NUL_CHARACTER_MESSAGE = 'must not contain NUL characters (U+0000)';
export const NUL_KEY_MESSAGE = 'object key must not contain NUL characters (U+0000)';
export const LONE_SURROGATE_MESSAGE = 'must be valid Unicode text (contains an unpaired surrogate)';
export const LONE_SURROGATE_KEY_MESSAGE =
  'object key must be valid Unicode text (contains an unpaired surrogate)';
export const TOO_DEEP_MESSAGE = `nested deeper than ${MAX_REQUEST_DEPTH} levels`;

export interface TextIssue {
  /** path of the offending string (for a key: the path of the key itself) */
  path: (string | number)[];
  message: string;
}

/** a high surrogate not followed by a low one, or a low surrogate not preceded by a high one (code units) */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function textProblem(s: string, key: boolean): string | undefined {
  if (s.includes('\u0000')) return key ? NUL_KEY_MESSAGE : NUL_CHARACTER_MESSAGE;
  if (LONE_SURROGATE.test(s)) return key ? LONE_SURROGATE_KEY_MESSAGE : LONE_SURROGATE_MESSAGE;
  return undefined;
}

/**
 * Every string and object key in `value` (any depth) that PostgreSQL cannot store, and every container
 * nested deeper than {@link MAX_REQUEST_DEPTH}. Iterative, so hostile nesting cannot overflow the stack.
 */
export function findTextIssues(value: unknown, maxIssues = 20): TextIssue[] {
  const issues: TextIssue[] = [];
  const stack: { v: unknown; path: (string | number)[] }[] = [{ v: value, path: [] }];
  while (stack.length && issues.length < maxIssues) {
    const { v, path } = stack.pop()!;
    if (typeof v === 'string') {
      const m = textProblem(v, false);
      if (m) issues.push({ path, message: m });
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (path.length >= MAX_REQUEST_DEPTH) {
      issues.push({ path, message: TOO_DEEP_MESSAGE });
      continue;
    }
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: [...path, i] });
      continue;
    }
    // only plain data: Dates and the like carry no user text
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== Object.prototype && proto !== null) continue;
    const entries = Object.entries(v as Record<string, unknown>);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [k, child] = entries[i]!;
      const m = textProblem(k, true);
      if (m) issues.push({ path: [...path, k], message: m });
      else stack.push({ v: child, path: [...path, k] });
    }
  }
  return issues;
}

/**
 * `schema`, rejecting text PostgreSQL cannot store anywhere in the parsed value ({@link findTextIssues}):
 * one issue per offending field, named by its path. Wrap every request schema (body, path id) with it;
 * new fields of a wrapped schema are covered without further work. The API's validation pipe applies
 * the same check to every request as a backstop.
 */
export function wellFormedText<T extends z.ZodType>(schema: T): T {
  return schema.superRefine((value, ctx) => {
    for (const issue of findTextIssues(value)) {
      ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path, input: value });
    }
  }) as T;
}
