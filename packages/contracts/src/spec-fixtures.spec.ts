// Example spec files (packages/contracts/fixtures) parsed by the schemas that accept them in the API, the
// CLI and the dashboard: every file in valid/ parses, every file in invalid/ is refused at its
// `expectedPath`. The file name's first part says which schema: `load-plan.sla.json` → LoadPlanSpecSchema.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { CreateExperimentRequestSchema } from './http/experiments.js';
import { CreateTargetRequestSchema } from './http/targets.js';
import { LoadPlanSpecSchema } from './specs/load-plan.js';
import { SloSpecSchema } from './specs/slo.js';
import { WorkloadSpecSchema } from './specs/workload.js';
import { RunSpecSchema } from './stored.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');

const SCHEMAS: Record<string, z.ZodType> = {
  workload: WorkloadSpecSchema,
  'load-plan': LoadPlanSpecSchema,
  slo: SloSpecSchema,
  'run-spec': RunSpecSchema,
  target: CreateTargetRequestSchema,
  experiment: CreateExperimentRequestSchema,
};

function fixtures(dir: 'valid' | 'invalid'): { file: string; schema: z.ZodType; json: unknown }[] {
  return readdirSync(path.join(FIXTURES, dir))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const schema = SCHEMAS[file.split('.')[0]!];
      if (!schema) throw new Error(`${dir}/${file}: no schema for this name`);
      return {
        file,
        schema,
        json: JSON.parse(readFileSync(path.join(FIXTURES, dir, file), 'utf8')) as unknown,
      };
    });
}

const valid = fixtures('valid');
const invalid = fixtures('invalid');

describe('valid spec fixtures', () => {
  it.each(valid)('$file parses', ({ schema, json }) => {
    const r = schema.safeParse(json);
    expect(r.error?.issues ?? []).toEqual([]);
  });

  it('cover every kind of workload and load plan, and each schema', () => {
    const kinds = (prefix: string) =>
      valid.filter((f) => f.file.startsWith(`${prefix}.`)).map((f) => (f.json as { kind: string }).kind);
    expect(kinds('workload').sort()).toEqual(
      WorkloadSpecSchema.options.map((o) => o.shape.kind.value).sort(),
    );
    expect(kinds('load-plan').sort()).toEqual(
      LoadPlanSpecSchema.options.map((o) => o.shape.kind.value).sort(),
    );
    expect(new Set(valid.map((f) => f.file.split('.')[0]))).toEqual(new Set(Object.keys(SCHEMAS)));
  });
});

describe('invalid spec fixtures', () => {
  it.each(invalid)('$file is refused at its expected field', ({ schema, json }) => {
    const { expectedPath, spec } = json as { expectedPath: string; spec: unknown };
    const r = schema.safeParse(spec);
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.'))).toContain(expectedPath);
  });
});
