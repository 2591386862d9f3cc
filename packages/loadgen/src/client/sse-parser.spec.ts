import { describe, expect, it } from 'vitest';
import { SseParser, type SseEvent } from './sse-parser.js';
import {
  COMPLETIONS_STREAM,
  CR_ONLY_STREAM,
  OPENAI_CRLF_STREAM,
  REASONING_STREAM,
  SPEC_CORNERS_STREAM,
  TOOL_CALL_STREAM,
  VLLM_CHAT_STREAM,
} from './testing/sse-fixtures.js';

const FIXTURES: Record<string, string> = {
  VLLM_CHAT_STREAM,
  OPENAI_CRLF_STREAM,
  CR_ONLY_STREAM,
  REASONING_STREAM,
  TOOL_CALL_STREAM,
  COMPLETIONS_STREAM,
  SPEC_CORNERS_STREAM,
};

function parseParts(parts: Uint8Array[]): { events: SseEvent[]; discarded: boolean } {
  const events: SseEvent[] = [];
  const parser = new SseParser((e) => events.push(e));
  for (const p of parts) parser.push(p);
  return { events, discarded: parser.end() };
}

/** deterministic PRNG so a failing split can be reproduced */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('SseParser: expected events', () => {
  it('parses a vLLM chat stream, multibyte UTF-8 intact', () => {
    const { events } = parseParts([Buffer.from(VLLM_CHAT_STREAM)]);
    expect(events).toHaveLength(7);
    expect(events.every((e) => e.type === 'message')).toBe(true);
    expect(JSON.parse(events[2]!.data).choices[0].delta.content).toBe(' wörld 你好');
    expect(JSON.parse(events[3]!.data).choices[0].delta.content).toBe(' 🚀✨');
    expect(events[6]!.data).toBe('[DONE]');
  });

  it('handles CRLF, comments, event and id fields', () => {
    const { events } = parseParts([Buffer.from(OPENAI_CRLF_STREAM)]);
    expect(events.map((e) => e.type)).toEqual(['message', 'message', 'message']);
    expect(events[0]!.lastEventId).toBe('');
    expect(events[1]!.lastEventId).toBe('7');
    expect(events[2]!.lastEventId).toBe('7');
    expect(events[2]!.data).toBe('[DONE]');
  });

  it('handles bare CR line endings, data without space, retry', () => {
    const events: SseEvent[] = [];
    const parser = new SseParser((e) => events.push(e));
    parser.push(Buffer.from(CR_ONLY_STREAM));
    expect(events.map((e) => e.data)).toEqual([
      '{"choices":[{"index":0,"delta":{"content":"a"}}]}',
      '{"choices":[{"index":0,"delta":{"content":"b"}}]}',
      '[DONE]',
    ]);
    expect(parser.retryMs).toBe(3000);
  });

  it('follows the spec corner cases', () => {
    const { events, discarded } = parseParts([Buffer.from(SPEC_CORNERS_STREAM)]);
    expect(events).toEqual([
      { type: 'message', data: 'line one\nline two\n two spaces keep one', lastEventId: '' },
      { type: 'custom', data: '', lastEventId: '42' },
      { type: 'message', data: 'after-bad-id', lastEventId: '42' },
      { type: 'message', data: '', lastEventId: '42' },
    ]);
    // "event: lonely" has no data → nothing dispatched; the unterminated last line is discarded
    expect(discarded).toBe(true);
  });

  it('accepts Uint8Array views that are not Buffers', () => {
    const bytes = new TextEncoder().encode('data: x\n\n');
    const view = new Uint8Array(bytes.buffer, 0, bytes.length);
    expect(parseParts([view]).events[0]!.data).toBe('x');
  });
});

describe('SseParser: byte-level splits equal the unsplit parse', () => {
  for (const [name, text] of Object.entries(FIXTURES)) {
    const bytes = Buffer.from(text, 'utf8');
    const expected = parseParts([bytes]);

    it(`${name}: split at every byte offset`, () => {
      for (let i = 0; i <= bytes.length; i++) {
        const got = parseParts([bytes.subarray(0, i), bytes.subarray(i)]);
        expect(got, `split at ${i}`).toEqual(expected);
      }
    });

    it(`${name}: one byte per push`, () => {
      const parts: Buffer[] = [];
      for (let i = 0; i < bytes.length; i++) parts.push(bytes.subarray(i, i + 1));
      expect(parseParts(parts)).toEqual(expected);
    });

    it(`${name}: 300 random multi-way splits (copied buffers)`, () => {
      const rand = mulberry32(name.length * 7919);
      for (let trial = 0; trial < 300; trial++) {
        const parts: Buffer[] = [];
        let pos = 0;
        while (pos < bytes.length) {
          const n = 1 + Math.floor(rand() * 40);
          parts.push(Buffer.from(bytes.subarray(pos, pos + n)));
          pos += n;
        }
        expect(parseParts(parts), `trial ${trial}`).toEqual(expected);
      }
    });
  }

  it('several streams concatenated in one push equal the per-stream parses', () => {
    const all = VLLM_CHAT_STREAM + REASONING_STREAM + TOOL_CALL_STREAM;
    const joined = parseParts([Buffer.from(all)]).events;
    const separate = [VLLM_CHAT_STREAM, REASONING_STREAM, TOOL_CALL_STREAM].flatMap(
      (s) => parseParts([Buffer.from(s)]).events,
    );
    expect(joined).toEqual(separate);
  });
});
