/**
 * The response side of one completion request: SSE framing (pre-serialized chunk tails, no JSON.stringify on the
 * hot path), the usage chunk, the non-streaming JSON body, and buffered writes flushed once per Driver wake-up.
 */
import type http from 'node:http';
import type { ModelEngine } from './engine.js';
import type { OutputScript, TokenLogprob } from './output-script.js';
import type { FinishReason, Seq, SeqListener } from './seq.js';
import { VOCAB } from './tokens.js';

const WORD_STRIDE = 17; // coprime with VOCAB.length (64): the word sequence has period 64

function mustBe64(): void {
  if (VOCAB.length !== 64) throw new Error('VOCAB must have 64 words');
}
mustBe64();

// Pre-serialized tails of chunk JSON, one per vocabulary word: a token chunk is then one
// per-request prefix plus one of these, with no JSON.stringify on the hot path.
const NULL_FINISH = '},"logprobs":null,"finish_reason":null}]}\n\n';
const CONTENT_TAILS = VOCAB.map((w) => `"content":" ${w}"${NULL_FINISH}`);
const REASONING_TAILS = VOCAB.map((w) => `"reasoning_content":" ${w}"${NULL_FINISH}`);
const TEXT_TAILS = VOCAB.map((w) => `"text":" ${w}","logprobs":null,"finish_reason":null}]}\n\n`);
const DONE = 'data: [DONE]\n\n';

/** What an exchange reports to, and is tracked by: the server's counters and its write queue. */
export interface ExchangeHost {
  /** output tokens handed to sockets */
  tokensEmitted: number;
  /** requests that finished normally */
  completed: number;
  /** exchanges with buffered output, flushed after the Driver's wake-up */
  readonly dirty: Exchange[];
  /** open exchanges */
  readonly active: Set<Exchange>;
  /** Removes the exchange's sequence from its engine (injected disconnect). */
  abortSeq(ex: Exchange): void;
}

/** Per-request output state; buffers SSE text until the Driver's wake-up flushes it. */
export class Exchange implements SeqListener {
  seq!: Seq;
  engine!: ModelEngine;
  buf = '';
  isDirty = false;
  /** [DONE] (or the JSON body) has been queued; end after the flush */
  isEnded = false;
  isClosed = false;
  destroyAfterFlush = false;
  finishReason: FinishReason | null = null;
  private readonly prefix: string;
  private readonly finalTailSuffix: string;

  constructor(
    private readonly srv: ExchangeHost,
    readonly res: http.ServerResponse,
    private readonly o: {
      chat: boolean;
      stream: boolean;
      includeUsage: boolean;
      id: string;
      created: number;
      model: string;
      promptTokens: number;
      reasoningTokens: number;
      mergeMultiToken: boolean;
      wordOffset: number;
      malformedAt: number;
      disconnectAt: number;
      reportCached: boolean;
      /** explicit token texts (answer key, logprobs, echo); null: synthetic words from the hot path */
      script: OutputScript | null;
    },
  ) {
    const m = JSON.stringify(o.model);
    this.prefix = o.chat
      ? `data: {"id":"${o.id}","object":"chat.completion.chunk","created":${o.created},"model":${m},"choices":[{"index":0,"delta":{`
      : `data: {"id":"${o.id}","object":"text_completion","created":${o.created},"model":${m},"choices":[{"index":0,`;
    this.finalTailSuffix = o.chat
      ? '},"logprobs":null,"finish_reason":'
      : ',"logprobs":null,"finish_reason":';
  }

  private word(i: number): string {
    return VOCAB[(this.o.wordOffset + i * WORD_STRIDE) & 63]!;
  }

  /** One SSE chunk for tokens [from, to), all of the same kind (reasoning or content). */
  private chunk(from: number, to: number, last: boolean): string {
    const o = this.o;
    if (o.script) return this.scriptChunk(o.script, from, to, last);
    const isReasoning = o.chat && from < o.reasoningTokens;
    const rolePart = o.chat && from === 0 ? '"role":"assistant",' : '';
    if (to - from === 1 && !last) {
      const w = (o.wordOffset + from * WORD_STRIDE) & 63;
      const tail = o.chat ? (isReasoning ? REASONING_TAILS[w]! : CONTENT_TAILS[w]!) : TEXT_TAILS[w]!;
      return this.prefix + rolePart + tail;
    }
    let text = '';
    for (let i = from; i < to; i++) text += ' ' + this.word(i);
    const field = o.chat ? (isReasoning ? 'reasoning_content' : 'content') : 'text';
    const finish = last ? `"${this.seq.finishReason}"` : 'null';
    return `${this.prefix}${rolePart}"${field}":"${text}"${this.finalTailSuffix}${finish}}]}\n\n`;
  }

  onTokens(seq: Seq, first: number, count: number): void {
    if (this.isClosed) return;
    const end = first + count;
    const o = this.o;
    this.srv.tokensEmitted += count;
    if (o.stream) {
      const lastIndex = seq.targetTokens - 1;
      if (o.malformedAt >= first && o.malformedAt < end) {
        // a truncated JSON object: clients must classify this as a malformed stream
        this.buf += `${this.prefix}"content":" broken\n\n`;
      }
      if (o.mergeMultiToken && count > 1) {
        // one chunk per step, split only where reasoning turns into content
        let from = first;
        if (o.chat && from < o.reasoningTokens && end > o.reasoningTokens) {
          this.buf += this.chunk(from, o.reasoningTokens, false);
          from = o.reasoningTokens;
        }
        this.buf += this.chunk(from, end, end - 1 === lastIndex);
      } else {
        for (let i = first; i < end; i++) this.buf += this.chunk(i, i + 1, i === lastIndex);
      }
    }
    if (o.disconnectAt >= first && o.disconnectAt < end) {
      this.destroyAfterFlush = true;
      this.srv.abortSeq(this);
    }
    this.markDirty();
  }

  onFinish(seq: Seq, reason: FinishReason): void {
    if (this.isClosed) return;
    this.finishReason = reason;
    const o = this.o;
    if (o.stream) {
      if (o.includeUsage) {
        const head = o.chat ? 'chat.completion.chunk' : 'text_completion';
        this.buf += `data: {"id":"${o.id}","object":"${head}","created":${o.created},"model":${JSON.stringify(o.model)},"choices":[],"usage":${JSON.stringify(this.usage(seq))}}\n\n`;
      }
      this.buf += DONE;
    } else {
      this.buf = JSON.stringify(this.body(seq, reason));
    }
    this.isEnded = true;
    this.srv.completed++;
    this.markDirty();
  }

  private usage(seq: Seq): Record<string, unknown> {
    const u: Record<string, unknown> = {
      prompt_tokens: this.o.promptTokens,
      total_tokens: this.o.promptTokens + seq.generated,
      completion_tokens: seq.generated,
    };
    if (this.o.reportCached) u.prompt_tokens_details = { cached_tokens: seq.cachedTokens };
    if (this.o.chat && this.o.reasoningTokens > 0) {
      u.completion_tokens_details = { reasoning_tokens: Math.min(this.o.reasoningTokens, seq.generated) };
    }
    return u;
  }

  private body(seq: Seq, reason: FinishReason): Record<string, unknown> {
    const o = this.o;
    if (o.script) return this.scriptBody(o.script, seq, reason);
    const k = o.chat ? Math.min(o.reasoningTokens, seq.generated) : 0;
    let reasoning = '';
    for (let i = 0; i < k; i++) reasoning += ' ' + this.word(i);
    let text = '';
    for (let i = k; i < seq.generated; i++) text += ' ' + this.word(i);
    const common = { id: o.id, created: o.created, model: o.model };
    if (o.chat) {
      const message: Record<string, unknown> = { role: 'assistant', content: text };
      if (k > 0) message.reasoning_content = reasoning;
      return {
        ...common,
        object: 'chat.completion',
        choices: [{ index: 0, message, logprobs: null, finish_reason: reason }],
        usage: this.usage(seq),
      };
    }
    return {
      ...common,
      object: 'text_completion',
      choices: [{ index: 0, text, logprobs: null, finish_reason: reason }],
      usage: this.usage(seq),
    };
  }

  /** A scripted chunk (tokens [from, to) of one kind), with logprobs when asked for. */
  private scriptChunk(sc: OutputScript, from: number, to: number, last: boolean): string {
    const o = this.o;
    const finish = last ? this.seq.finishReason : null;
    let text = '';
    for (let i = from; i < to; i++) text += sc.texts[i]!;
    const head = `{"id":"${o.id}","object":"${o.chat ? 'chat.completion.chunk' : 'text_completion'}","created":${o.created},"model":${JSON.stringify(o.model)},"choices":[`;
    let choice: Record<string, unknown>;
    if (o.chat) {
      const delta: Record<string, unknown> = {};
      if (from === 0) delta.role = 'assistant';
      delta[from < sc.reasoning ? 'reasoning_content' : 'content'] = text;
      choice = { index: 0, delta, logprobs: sc.logprobs ? { content: chatLogprobs(sc, from, to) } : null };
    } else {
      const echo = from === 0 && sc.echo ? sc.echo : null;
      choice = {
        index: 0,
        text: echo ? echo.text + text : text,
        logprobs: sc.logprobs ? completionLogprobs(sc, from, to, echo !== null) : null,
      };
    }
    choice.finish_reason = finish;
    return `data: ${head}${JSON.stringify(choice)}]}\n\n`;
  }

  private scriptBody(sc: OutputScript, seq: Seq, reason: FinishReason): Record<string, unknown> {
    const o = this.o;
    const n = seq.generated;
    const k = o.chat ? Math.min(sc.reasoning, n) : 0;
    let reasoning = '';
    for (let i = 0; i < k; i++) reasoning += sc.texts[i]!;
    let text = '';
    for (let i = k; i < n; i++) text += sc.texts[i]!;
    const common = { id: o.id, created: o.created, model: o.model };
    if (o.chat) {
      const message: Record<string, unknown> = { role: 'assistant', content: text };
      if (k > 0) message.reasoning_content = reasoning;
      const logprobs = sc.logprobs ? { content: chatLogprobs(sc, 0, n) } : null;
      return {
        ...common,
        object: 'chat.completion',
        choices: [{ index: 0, message, logprobs, finish_reason: reason }],
        usage: this.usage(seq),
      };
    }
    const echo = sc.echo;
    return {
      ...common,
      object: 'text_completion',
      choices: [
        {
          index: 0,
          text: echo ? echo.text + text : text,
          logprobs: sc.logprobs ? completionLogprobs(sc, 0, n, echo !== null) : null,
          finish_reason: reason,
        },
      ],
      usage: this.usage(seq),
    };
  }

  private markDirty(): void {
    if (!this.isDirty) {
      this.isDirty = true;
      this.srv.dirty.push(this);
    }
  }

  /** Writes what is buffered in one socket write; ends or destroys the response when due. */
  flush(): void {
    this.isDirty = false;
    if (this.isClosed) return;
    const res = this.res;
    if (this.destroyAfterFlush) {
      if (this.buf && this.o.stream) res.write(this.buf);
      this.buf = '';
      this.close();
      // let the written bytes leave, then cut the connection without the terminating chunk
      if (res.socket) res.socket.destroySoon();
      else res.destroy();
      return;
    }
    if (!this.o.stream && this.isEnded) {
      const body = this.buf;
      this.buf = '';
      this.close();
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    if (this.buf) {
      res.write(this.buf);
      this.buf = '';
    }
    if (this.isEnded) {
      this.close();
      res.end();
    }
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.srv.active.delete(this);
  }
}

const utf8 = (t: string): number[] => [...Buffer.from(t, 'utf8')];

/** Chat `logprobs.content` entries of output tokens [from, to) (OpenAI shape: token, logprob, bytes, top_logprobs). */
function chatLogprobs(sc: OutputScript, from: number, to: number): unknown[] {
  const out: unknown[] = [];
  for (let i = from; i < to; i++) {
    const lp = sc.logprobs![i]!;
    out.push({
      token: sc.texts[i]!,
      logprob: lp.logprob,
      bytes: utf8(sc.texts[i]!),
      top_logprobs: lp.top.map(([token, logprob]) => ({ token, logprob, bytes: utf8(token) })),
    });
  }
  return out;
}

/** A completions top-logprobs object: the top alternatives and the token itself (vLLM lists the sampled token too). */
function topObject(
  token: string,
  lp: TokenLogprob | null,
  logprob: number | null,
): Record<string, number> | null {
  if (!lp) return logprob === null ? null : { [token]: logprob };
  const o: Record<string, number> = {};
  for (const [t, v] of lp.top) if (!(t in o)) o[t] = v;
  if (!(token in o)) o[token] = lp.logprob;
  return o;
}

/**
 * Legacy completions `logprobs` ({tokens, token_logprobs, top_logprobs, text_offset}) of output tokens [from, to),
 * preceded by the echoed prompt's tokens when `withEcho`. Offsets count from the start of the choice's text.
 */
function completionLogprobs(sc: OutputScript, from: number, to: number, withEcho: boolean): unknown {
  const tokens: string[] = [];
  const values: Array<number | null> = [];
  const tops: Array<Record<string, number> | null> = [];
  const offsets: number[] = [];
  const e = withEcho ? sc.echo : null;
  if (e) {
    e.tokens.forEach((t, i) => {
      tokens.push(t);
      values.push(e.logprobs[i]!);
      const top = e.top[i];
      tops.push(top ? topObject(t, { logprob: e.logprobs[i]!, top }, null) : null);
      offsets.push(e.offsets[i]!);
    });
  }
  let off = sc.echo?.text.length ?? 0;
  for (let i = 0; i < from; i++) off += sc.texts[i]!.length;
  for (let i = from; i < to; i++) {
    const lp = sc.logprobs?.[i] ?? null;
    tokens.push(sc.texts[i]!);
    values.push(lp ? lp.logprob : null);
    tops.push(lp ? topObject(sc.texts[i]!, lp, null) : null);
    offsets.push(off);
    off += sc.texts[i]!.length;
  }
  return { tokens, token_logprobs: values, top_logprobs: tops, text_offset: offsets };
}
