import { describe, expect, it } from 'vitest';
import { UpdateRunRequestSchema } from './review.js';
import { UpdateExperimentRequestSchema } from './experiments.js';
import { CreateTargetRequestSchema, UpdateTargetRequestSchema } from './targets.js';

/**
 * A PATCH body must come out of its schema with only the fields it had: a `.default()` left in an update schema
 * (zod 4 `.partial()` keeps them) fills the missing field in and the service overwrites the stored value with it.
 */
describe('update (PATCH) schemas add nothing', () => {
  it('targets: an empty or one-field body parses to itself', () => {
    expect(UpdateTargetRequestSchema.parse({})).toEqual({});
    expect(UpdateTargetRequestSchema.parse({ name: 'renamed' })).toEqual({ name: 'renamed' });
    expect(UpdateTargetRequestSchema.parse({ tokenizer: null, metricsUrl: null, apiKey: null })).toEqual({
      tokenizer: null,
      metricsUrl: null,
      apiKey: null,
    });
  });

  it('experiments: an empty or one-field body parses to itself', () => {
    expect(UpdateExperimentRequestSchema.parse({})).toEqual({});
    expect(UpdateExperimentRequestSchema.parse({ name: 'renamed' })).toEqual({ name: 'renamed' });
  });

  it('runs: tags only, as given (deduplicated)', () => {
    expect(UpdateRunRequestSchema.parse({ tags: ['a', 'a'] })).toEqual({ tags: ['a'] });
  });

  it('targets: create still fills in its defaults; the update rejects what create rejects', () => {
    expect(CreateTargetRequestSchema.parse({ name: 'n', baseUrl: 'http://h/v1', model: 'm' })).toEqual({
      name: 'n',
      baseUrl: 'http://h/v1',
      model: 'm',
      apiKind: 'chat',
      headers: {},
      pool: 'default',
    });
    for (const bad of [
      { pool: 'Not A Pool' },
      { apiKind: 'embeddings' },
      { connection: 'sometimes' },
      { tokenizer: 'gpt2' },
      { tokenizer: { path: '' } },
      { baseUrl: 'ftp://h' },
    ])
      expect(UpdateTargetRequestSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    for (const good of [{ tokenizer: 'o200k_base' }, { tokenizer: { path: '/m/tokenizer.json' } }])
      expect(UpdateTargetRequestSchema.parse(good)).toEqual(good);
  });
});
