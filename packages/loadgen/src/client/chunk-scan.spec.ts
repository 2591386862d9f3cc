import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../clock/system-clock.js';
import type { LlmOutcome, LlmRequest } from '../ports.js';
import { ChunkReader, newChunkSummary, summarizeChoices, type ChunkSummary } from './chunk-scan.js';
import { OpenAiCompatibleClient } from './openai-client.js';
import { SseParser } from './sse-parser.js';
import {
  COMPLETIONS_STREAM,
  CR_ONLY_STREAM,
  OPENAI_CRLF_STREAM,
  REASONING_STREAM,
  TOOL_CALL_STREAM,
  VLLM_CHAT_STREAM,
} from './testing/sse-fixtures.js';
import { startQuirkServer, type QuirkScenario, type QuirkServer } from './testing/quirk-server.js';

/** The full path's verdict on one data payload: its summary, or null when it would not be a plain chunk. */
function reference(data: string): ChunkSummary | null {
  let obj: unknown;
  try {
    obj = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof obj !== 'object' || obj === null) return null;
  const choices = (obj as { choices?: unknown }).choices;
  if (!Array.isArray(choices)) return null;
  const out = newChunkSummary();
  summarizeChoices(choices, out);
  return out;
}

/**
 * The property: whenever the fast path answers, the full path gives exactly the same summary (and it never
 * answers for a payload the full path rejects or that carries usage).
 */
const refCache = new Map<string, { sum: ChunkSummary | null; usage: unknown }>();
function cachedReference(data: string): { sum: ChunkSummary | null; usage: unknown } {
  let r = refCache.get(data);
  if (r === undefined) {
    const sum = reference(data);
    r = { sum, usage: sum === null ? null : ((JSON.parse(data) as { usage?: unknown }).usage ?? null) };
    if (refCache.size < 100_000) refCache.set(data, r);
  }
  return r;
}
const same = (a: ChunkSummary, b: ChunkSummary): boolean =>
  a.content === b.content &&
  a.reasoning === b.reasoning &&
  a.toolArgs === b.toolArgs &&
  a.toolName === b.toolName &&
  a.finish === b.finish;

function checkOne(reader: ChunkReader, data: string): boolean {
  const fast = reader.read(data);
  if (!fast) return false;
  const ref = cachedReference(data);
  if (ref.sum === null || ref.usage !== null || !same(reader.summary, ref.sum)) {
    // fails with a readable diff
    expect(ref.sum, `fast path accepted a payload the full path rejects: ${data}`).not.toBeNull();
    expect(ref.usage, `fast path accepted a payload with usage: ${data}`).toBeNull();
    expect({ ...reader.summary }, data).toEqual(ref.sum);
  }
  return true;
}

function dataOf(stream: string): string[] {
  const out: string[] = [];
  const p = new SseParser((ev) => out.push(ev.data));
  p.push(Buffer.from(stream, 'utf8'));
  return out.filter((d) => d !== '[DONE]');
}

const chunk = (delta: unknown, extra = ''): string =>
  `{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":${JSON.stringify(delta)},"logprobs":null,"finish_reason":null}]${extra}}`;

/** Hand-written events: escapes, unicode, nulls, tool calls, usage, server layouts, malformed ones. */
const HAND_WRITTEN: string[] = [
  chunk({ content: 'caf\u00e9' }),
  '{"choices":[{"index":0,"delta":{"content":"caf\\u00e9"}}]}',
  '{"choices":[{"index":0,"delta":{"content":"\\ud83d\\ude80 rocket"}}]}',
  '{"choices":[{"index":0,"delta":{"content":"lone \\ud83d"}}]}',
  '{"choices":[{"index":0,"delta":{"content":"say \\"hi\\" \\\\ back\\/slash\\n\\t\\r\\b\\f"}}]}',
  '{"choices":[{"index":0,"delta":{"content":"bad \\x escape"}}]}',
  '{"choices":[{"index":0,"delta":{"content":"bad \\u12G4"}}]}',
  '{"choices":[{"index":0,"delta":{"content":"raw \t tab"}}]}',
  chunk({ content: '' }),
  chunk({ content: null }),
  chunk({ content: '', reasoning_content: 'thinking' }),
  chunk({ content: '', reasoning: 'thinking' }),
  chunk({ reasoning_content: 'a', reasoning: 'a' }),
  chunk({ reasoning_content: '', reasoning: 'b' }),
  chunk({ reasoning_content: null, reasoning: 'b' }),
  chunk({ content: 5, reasoning: 7 }),
  chunk({
    role: 'assistant',
    content: null,
    tool_calls: [{ index: 0, id: 'c', type: 'function', function: { name: 'f', arguments: '' } }],
  }),
  chunk({
    tool_calls: [
      { index: 0, function: { arguments: '{"a":' } },
      { index: 1, function: { arguments: '1}' } },
    ],
  }),
  chunk({ tool_calls: [null, { function: null }, { function: { name: '', arguments: null } }] }),
  chunk({ tool_calls: [5] }),
  chunk({ tool_calls: { function: { arguments: 'x' } } }),
  chunk({ tool_calls: null, content: 'x' }),
  chunk({ content: 'x' }, ',"usage":null'),
  chunk({ content: 'x' }, ',"usage":{"prompt_tokens":1,"completion_tokens":2}'),
  '{"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}',
  '{"id":"c","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}',
  '{"id":"c","choices":[]}',
  '{"id":"c","choices":[{"index":0,"delta":{},"finish_reason":false}]}',
  '{"id":"c","choices":[{"index":0,"delta":{},"finish_reason":0}]}',
  '{"id":"c","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":"length"}]}',
  '{"id":"c","choices":[null,7,"s",{"index":0,"text":"t"}]}',
  '{"choices":[{"index":0,"text":"once","logprobs":null,"finish_reason":null}]}',
  '{"choices":[{"index":0,"text":null,"delta":{"content":"c"}}]}',
  '{"choices":[{"text":"t","delta":{"content":"c"}}]}',
  '{"choices":[{"index":0,"message":{"content":"m"}}]}',
  '{"choices":[{"index":0,"delta":null,"message":{"content":"m"}}]}',
  '{"choices":[{"index":0,"delta":{"content":"a","content":"b"}}]}',
  '{"choices":[{"index":0,"delta":{"con\\u0074ent":"escaped key"}}]}',
  '{"choices":[{"index":0,"delta":{"content":"a"}}],"choices":[]}',
  '{"error":{"message":"engine died","code":500}}',
  '{"error":{"message":"x"},"choices":[{"delta":{"content":"a"}}]}',
  '{"choices":"nope"}',
  '[1,2]',
  '"str"',
  'null',
  '',
  '{"choices": [tru',
  '{"choices":[{"delta":{"content":"a"}}]} trailing',
  '  {"choices" : [ { "delta" : { "content" : "spaced" } } ] }  ',
  '{"choices":[{"delta":{"content":"a"}}],}',
  '{"choices":[{"delta":{"content":"a"},}]}',
  '{"choices":[{"delta":{"content":"a"}}],"n":01}',
  '{"choices":[{"delta":{"content":"a"}}],"n":-1.5e+3,"m":[true,false,null,{},[]]}',
  '{"choices":[{"delta":{"content":"a"}}],"n":1.}',
  '{"choices":[{"delta":{"content":"a"}}],"__proto__":{"x":1}}',
  `{"choices":[{"delta":{"content":"deep"}}],"x":${'['.repeat(100)}${']'.repeat(100)}}`,
  '\uFEFF{"choices":[{"delta":{"content":"bom"}}]}',
  // server layouts
  '{"id":"chatcmpl-8a","object":"chat.completion.chunk","created":1733390000,"model":"Qwen/Qwen2.5-7B","choices":[{"index":0,"delta":{"role":null,"content":" hello","reasoning_content":null,"tool_calls":null},"logprobs":null,"finish_reason":null,"matched_stop":null}],"usage":null}',
  '{"choices":[{"finish_reason":null,"index":0,"delta":{"content":" hi"}}],"created":1733390000,"id":"chatcmpl-x","model":"gguf","system_fingerprint":"b1-abc","object":"chat.completion.chunk"}',
  '{"id":"chatcmpl-B","object":"chat.completion.chunk","created":1733390000,"model":"gpt-4o","service_tier":"default","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"content":" yo"},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"a1B2"}',
  '{"id":"cmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":" t"},"logprobs":null,"finish_reason":null,"stop_reason":null,"token_ids":null}]}',
];

const FIXTURE_STREAMS = [
  VLLM_CHAT_STREAM,
  OPENAI_CRLF_STREAM,
  CR_ONLY_STREAM,
  REASONING_STREAM,
  TOOL_CALL_STREAM,
  COMPLETIONS_STREAM,
];

describe('chunk fast path = JSON.parse path', () => {
  it('hand-written events: same summary whenever the fast path answers', () => {
    for (const d of HAND_WRITTEN) checkOne(new ChunkReader(), d);
  });

  it('declines what it must leave to JSON.parse', () => {
    const declined = (d: string): boolean => !new ChunkReader().read(d);
    expect(declined('{"error":{"message":"engine died","code":500}}')).toBe(true);
    expect(declined(chunk({ content: 'x' }, ',"usage":{"prompt_tokens":1}'))).toBe(true);
    expect(declined('{"id":"c","choices":[],"usage":{"prompt_tokens":3}}')).toBe(true);
    expect(declined('{"choices": [tru')).toBe(true);
    expect(declined('{"choices":[{"index":0,"delta":{"con\\u0074ent":"k"}}]}')).toBe(true);
    expect(declined('{"choices":[{"index":0,"delta":{"content":"a","content":"b"}}]}')).toBe(true);
    expect(declined('{"choices":[{"index":0,"delta":{"content":"raw \t tab"}}]}')).toBe(true);
    expect(declined('{"id":"c"}')).toBe(true);
  });

  it('answers the common server layouts itself (the fast path is really taken)', () => {
    for (const d of HAND_WRITTEN.slice(-4)) {
      const r = new ChunkReader();
      expect(checkOne(r, d), d).toBe(true);
    }
    for (const d of dataOf(VLLM_CHAT_STREAM).slice(0, 5))
      expect(checkOne(new ChunkReader(), d), d).toBe(true);
  });

  it('template: consecutive chunks of one stream are answered from the template, escapes included', () => {
    const r = new ChunkReader();
    const texts = [' Hé', 'llo', ' "quoted"', 'back\\slash', '\n', '🚀', 'x\u2028y', '', ' end'];
    let hits = 0;
    for (const t of texts) {
      const before = r.templateHits;
      checkOne(r, chunk({ content: t }));
      hits += r.templateHits - before;
    }
    expect(hits).toBeGreaterThanOrEqual(texts.length - 2); // the first one is scanned, the empty one too
    // a payload that shares prefix and suffix but whose middle closes the string early is not a template hit
    const p = chunk({ content: 'A' }).split('A');
    const tricky = `${p[0]}a","reasoning":"zz${p[1]}`;
    checkOne(r, tricky);
    expect(reference(tricky)!.content).toBe('a');
    const bad = `${p[0]}a\\q${p[1]}`;
    expect(r.read(bad)).toBe(false);
    expect(reference(bad)).toBeNull();
  });

  it('fixture streams and every quirk-server scenario: same summary per event, events split at every byte', async () => {
    const server = await startQuirkServer({ tokens: 6 });
    const streams = [...FIXTURE_STREAMS];
    try {
      const scenarios: QuirkScenario[] = [
        'normal',
        'usage-in-last',
        'no-role',
        'empty-content',
        'keepalive',
        'no-done',
        'reasoning',
        'reasoning-field',
        'tool-calls',
        'crlf',
        'one-write',
        'byte-per-write',
        'invalid-json',
        'error-in-stream',
      ];
      for (const scenario of scenarios) {
        for (const path of ['/v1/chat/completions', '/v1/completions']) {
          const res = await fetch(server.url + path, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-quirk': scenario },
            body: JSON.stringify({
              model: 'm',
              stream: true,
              messages: [{ role: 'user', content: 'hi' }],
              prompt: 'hi',
            }),
          });
          streams.push(await res.text());
        }
      }
    } finally {
      await server.close();
    }
    let answered = 0;
    for (const stream of streams) {
      const bytes = Buffer.from(stream, 'utf8');
      // whole stream in one read, then split in two at every byte position
      for (let cut = 0; cut <= bytes.length; cut++) {
        const reader = new ChunkReader();
        const parser = new SseParser((ev) => {
          if (ev.data !== '[DONE]' && checkOne(reader, ev.data)) answered++;
        });
        parser.push(bytes.subarray(0, cut));
        parser.push(bytes.subarray(cut));
        if (cut === bytes.length) break;
      }
    }
    expect(answered).toBeGreaterThan(1000);
  }, 60_000);

  const text = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 6 }),
    fc.string({ unit: 'binary', maxLength: 6 }),
    fc.constantFrom(
      '',
      '"',
      '\\',
      '\\"',
      '\n',
      '\u0000',
      '\u00e9',
      '\ud83d\ude80',
      '\ud83d',
      '\u2028',
      '}]}',
      '","x":"',
    ),
  );
  const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
  const delta = fc.record(
    {
      role: maybe(fc.constantFrom('assistant', null)),
      content: maybe(fc.oneof(text, fc.constant(null), fc.integer())),
      reasoning_content: maybe(fc.oneof(text, fc.constant(null))),
      reasoning: maybe(fc.oneof(text, fc.constant(null))),
      tool_calls: maybe(
        fc.oneof(
          fc.constant(null),
          fc.array(
            fc.oneof(
              fc.constant(null),
              fc.record(
                {
                  index: fc.nat(3),
                  function: maybe(
                    fc.oneof(
                      fc.constant(null),
                      fc.record(
                        { name: maybe(fc.oneof(text, fc.constant(null))), arguments: maybe(text) },
                        { requiredKeys: [] },
                      ),
                    ),
                  ),
                },
                { requiredKeys: [] },
              ),
            ),
            { maxLength: 3 },
          ),
        ),
      ),
    },
    { requiredKeys: [] },
  );
  const choice = fc.oneof(
    {
      weight: 8,
      arbitrary: fc.record(
        {
          index: fc.nat(2),
          delta: maybe(
            fc.oneof({ weight: 9, arbitrary: delta }, { weight: 1, arbitrary: fc.constant(null) }),
          ),
          text: maybe(fc.oneof(text, fc.constant(null))),
          logprobs: maybe(fc.oneof(fc.constant(null), fc.jsonValue({ maxDepth: 2 }))),
          finish_reason: maybe(fc.constantFrom(null, 'stop', 'length', '', false, 0)),
          matched_stop: maybe(fc.constant(null)),
        },
        { requiredKeys: [] },
      ),
    },
    { weight: 1, arbitrary: fc.constantFrom(null, 3, 'x') },
  );
  const payload = fc.record(
    {
      id: maybe(text),
      object: maybe(fc.constant('chat.completion.chunk')),
      created: maybe(fc.integer()),
      model: maybe(text),
      choices: fc.oneof(
        { weight: 9, arbitrary: fc.array(choice, { maxLength: 3 }) },
        { weight: 1, arbitrary: fc.constant(undefined) },
      ),
      usage: fc.oneof(
        { weight: 4, arbitrary: fc.constant(undefined) },
        { weight: 4, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.record({ prompt_tokens: fc.nat(), completion_tokens: fc.nat() }) },
      ),
      error: fc.oneof(
        { weight: 9, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.record({ message: text }) },
      ),
      extra: maybe(fc.jsonValue({ maxDepth: 3 })),
    },
    { requiredKeys: [] },
  );

  it('property: generated chunks (with random whitespace and byte mutations) agree', () => {
    let answered = 0;
    fc.assert(
      fc.property(
        payload,
        fc.boolean(),
        fc.array(fc.tuple(fc.nat(), fc.nat(255), fc.constantFrom('insert', 'delete', 'replace')), {
          maxLength: 2,
        }),
        (obj, pretty, mutations) => {
          let s = JSON.stringify(obj, null, pretty ? 1 : undefined);
          for (const [pos, code, op] of mutations) {
            const at = s.length === 0 ? 0 : pos % s.length;
            const ch = String.fromCharCode(code);
            s =
              op === 'insert'
                ? s.slice(0, at) + ch + s.slice(at)
                : op === 'delete'
                  ? s.slice(0, at) + s.slice(at + 1)
                  : s.slice(0, at) + ch + s.slice(at + 1);
          }
          if (checkOne(new ChunkReader(), s)) answered++;
        },
      ),
      { numRuns: 3000 },
    );
    expect(answered).toBeGreaterThan(300);
  });

  it('property: a stream of chunks through one reader (templates) agrees chunk by chunk', () => {
    let hits = 0;
    fc.assert(
      fc.property(
        payload,
        fc.array(fc.tuple(text, fc.nat(9)), { minLength: 1, maxLength: 12 }),
        (base, steps) => {
          const reader = new ChunkReader();
          for (const [t, kind] of steps) {
            const o = structuredClone(base);
            // vary one output field (the others stay) like consecutive chunks of one response
            const c0 = (o.choices?.[0] ?? null) as Record<string, unknown> | null;
            if (c0 !== null && typeof c0 === 'object') {
              const d = (c0.delta ?? (c0.delta = {})) as Record<string, unknown> | null;
              if (kind < 6 && d) d.content = t;
              else if (kind < 8 && d) d.reasoning_content = t;
              else c0.text = t;
            }
            checkOne(reader, JSON.stringify(o));
          }
          hits += reader.templateHits;
        },
      ),
      { numRuns: 1500 },
    );
    expect(hits).toBeGreaterThan(100);
  });
});

describe('client outcome: fast path = JSON.parse path', () => {
  let server: QuirkServer;
  beforeAll(async () => {
    server = await startQuirkServer({ tokens: 12 });
  });
  afterAll(async () => {
    await server?.close();
  });

  const clock = new SystemClock();
  const send = async (
    fast: boolean,
    scenario: QuirkScenario,
    apiKind: 'chat' | 'completions',
  ): Promise<LlmOutcome> => {
    const client = new OpenAiCompatibleClient({ clock, maxConnections: 2, fastChunkParse: fast });
    const req: LlmRequest = {
      target: { baseUrl: server.url, apiKind, model: 'm', headers: { 'x-quirk': scenario } },
      params: { maxTokens: 12 },
      prompt:
        apiKind === 'chat'
          ? { kind: 'chat', messages: [{ role: 'user', content: 'hi' }] }
          : { kind: 'text', text: 'hi' },
      promptTokens: 1,
      signal: new AbortController().signal,
    };
    try {
      return await client.send(req);
    } finally {
      await client.close();
    }
  };
  const comparable = (o: LlmOutcome) => ({
    chunks: o.chunkTimesUs.length,
    hasFirstContent: o.firstContentUs !== undefined,
    text: o.text,
    reasoningText: o.reasoningText,
    toolCallText: o.toolCallText,
    usage: o.usage,
    httpStatus: o.httpStatus,
    errorClass: o.errorClass,
    errorMessage: o.errorMessage,
  });

  const scenarios: QuirkScenario[] = [
    'normal',
    'usage-in-last',
    'no-role',
    'empty-content',
    'keepalive',
    'no-done',
    'reasoning',
    'reasoning-field',
    'tool-calls',
    'crlf',
    'one-write',
    'byte-per-write',
    'non-stream',
    'invalid-json',
    'error-in-stream',
    'http-500',
  ];
  for (const scenario of scenarios) {
    for (const apiKind of ['chat', 'completions'] as const) {
      it(`${scenario} (${apiKind})`, async () => {
        const full = comparable(await send(false, scenario, apiKind));
        const fast = comparable(await send(true, scenario, apiKind));
        expect(fast).toEqual(full);
      });
    }
  }
});
