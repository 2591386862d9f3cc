import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CreateCommentRequestSchema, StartRunRequestSchema, UpdateTargetRequestSchema } from './index.js';
import { IdSchema } from './common.js';
import {
  findTextIssues,
  LONE_SURROGATE_MESSAGE,
  MAX_REQUEST_DEPTH,
  NUL_CHARACTER_MESSAGE,
  NUL_KEY_MESSAGE,
  TOO_DEEP_MESSAGE,
  wellFormedText,
} from './text.js';

describe('findTextIssues', () => {
  it('finds NUL characters and unpaired surrogates in strings and keys at any depth', () => {
    expect(
      findTextIssues({
        a: 'ok \u{1F600} \uFFFF \uFEFF',
        b: ['x', 'y\u0000'],
        c: { 'k\u0000': 1, d: { e: 'lone \uD800 high' } },
        f: 'lone low \uDC00',
        g: '\uDE00\uD83D',
      }),
    ).toEqual([
      { path: ['b', 1], message: NUL_CHARACTER_MESSAGE },
      { path: ['c', 'k\u0000'], message: NUL_KEY_MESSAGE },
      { path: ['c', 'd', 'e'], message: LONE_SURROGATE_MESSAGE },
      { path: ['f'], message: LONE_SURROGATE_MESSAGE },
      { path: ['g'], message: LONE_SURROGATE_MESSAGE },
    ]);
    expect(findTextIssues('\u0000')).toEqual([{ path: [], message: NUL_CHARACTER_MESSAGE }]);
    expect(findTextIssues({ n: 1, b: true, z: null, d: new Date(0) })).toEqual([]);
  });

  it('stops runaway nesting without recursing (100k levels)', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const issues = findTextIssues({ deep });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toBe(TOO_DEEP_MESSAGE);
    expect(issues[0]!.path).toHaveLength(MAX_REQUEST_DEPTH);
    let fine: unknown = 'x';
    for (let i = 0; i < MAX_REQUEST_DEPTH - 2; i++) fine = { a: fine };
    expect(findTextIssues({ fine })).toEqual([]);
  });
});

describe('wellFormedText on the request schemas', () => {
  it('names the field, including keys and values of free-form records', () => {
    const run = StartRunRequestSchema.safeParse({ metadata: { gitSha: 'abc\u0000', 'ci\u0000Url': 'x' } });
    expect(run.success).toBe(false);
    expect(run.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['metadata.ci\u0000Url', NUL_KEY_MESSAGE],
      ['metadata.gitSha', NUL_CHARACTER_MESSAGE],
    ]);
    const comment = CreateCommentRequestSchema.safeParse({ author: 'me', body: 'hi \uD800' });
    expect(comment.error!.issues).toMatchObject([{ path: ['body'], message: LONE_SURROGATE_MESSAGE }]);
    const target = UpdateTargetRequestSchema.safeParse({ headers: { 'x-a': 'b\u0000' } });
    expect(target.error!.issues).toMatchObject([{ path: ['headers', 'x-a'] }]);
    expect(IdSchema.safeParse('a\u0000b').success).toBe(false);
    expect(CreateCommentRequestSchema.parse({ author: 'me', body: 'ok \u{1F600}' }).body).toBe(
      'ok \u{1F600}',
    );
  });

  it('covers fields added to a wrapped schema later', () => {
    const s = z.object({ name: z.string(), added: z.record(z.string(), z.unknown()) }).apply(wellFormedText);
    expect(s.safeParse({ name: 'n', added: { x: [{ y: '\u0000' }] } }).error!.issues).toMatchObject([
      { path: ['added', 'x', 0, 'y'], message: NUL_CHARACTER_MESSAGE },
    ]);
  });
});
