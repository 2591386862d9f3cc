import { Ajv, type ValidateFunction } from 'ajv';
import type { AssertionSpec } from '@inferbench/contracts';
import { findJson } from './extract.js';
import { normalizeAnswer } from './metrics/text.js';

export interface AssertionResult {
  kind: AssertionSpec['kind'];
  pass: boolean;
  message?: string;
}

/** Compiled assertions of a task (JSON schemas compiled once with ajv, regexes once). */
export class AssertionSet {
  private readonly compiled: Array<{ spec: AssertionSpec; validate?: ValidateFunction; re?: RegExp }>;

  constructor(readonly specs: readonly AssertionSpec[]) {
    const ajv = new Ajv({ allErrors: false, strict: false });
    this.compiled = specs.map((spec) => {
      if (spec.kind === 'json_schema') return { spec, validate: ajv.compile(spec.schema) };
      if (spec.kind === 'regex') return { spec, re: new RegExp(spec.pattern, spec.flags.replace(/g/g, '')) };
      return { spec };
    });
  }

  /** Run every assertion on an answer text (reasoning already removed). */
  check(text: string, references: readonly string[] = []): AssertionResult[] {
    return this.compiled.map(({ spec, validate, re }) => {
      switch (spec.kind) {
        case 'contains':
        case 'not_contains': {
          const has = spec.caseSensitive
            ? text.includes(spec.value)
            : text.toLowerCase().includes(spec.value.toLowerCase());
          return { kind: spec.kind, pass: spec.kind === 'contains' ? has : !has };
        }
        case 'regex':
          return { kind: spec.kind, pass: re!.test(text) };
        case 'is_json':
          return { kind: spec.kind, pass: findJson(text) !== undefined };
        case 'json_schema': {
          const found = findJson(text);
          if (!found) return { kind: spec.kind, pass: false, message: 'no JSON value' };
          const pass = validate!(found.value);
          return {
            kind: spec.kind,
            pass,
            message: pass ? undefined : (validate!.errors?.[0]?.message ?? 'invalid'),
          };
        }
        case 'contains_reference': {
          const t = ` ${normalizeAnswer(text)} `;
          return { kind: spec.kind, pass: references.some((r) => t.includes(` ${normalizeAnswer(r)} `)) };
        }
      }
    });
  }
}
