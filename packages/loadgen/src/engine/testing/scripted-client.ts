import type { ErrorClass } from '@inferbench/contracts';
import type { Clock, LlmClient, LlmOutcome, LlmRequest } from '../../ports.js';

/** How the fake server answers one request. Times in µs of the test's clock. */
export interface ScriptedReply {
  /** time to the first output chunk (or to the error), µs; default 10 ms */
  ttftUs?: number;
  /** output chunks (one word each); default 4 */
  chunks?: number;
  /** gap between chunks, µs; default 1 ms */
  gapUs?: number;
  /** fail with this class after ttftUs (no output) */
  errorClass?: ErrorClass;
  httpStatus?: number;
  /** report usage like a server that sends it */
  usage?: LlmOutcome['usage'];
  /** reply text (overrides the generated words); split into `chunks` pieces */
  text?: string;
  /** ignore the abort signal and never answer (a broken client) */
  hang?: boolean;
}

/** What the scripted client saw of one request. */
export interface ScriptedCall {
  index: number;
  req: LlmRequest;
  sentUs: number;
  endUs?: number;
}

/**
 * A scripted LlmClient for engine tests: every request sleeps on the given Clock (a FakeClock in tests) for its
 * scripted TTFT and chunk gaps, honours the abort signal like a real client (returns `cancelled`), and records
 * each call and the highest number of requests in flight at once.
 */
export class ScriptedClient implements LlmClient {
  readonly calls: ScriptedCall[] = [];
  inFlight = 0;
  maxInFlight = 0;

  constructor(
    private readonly clock: Clock,
    private readonly script: (req: LlmRequest, index: number) => ScriptedReply = () => ({}),
  ) {}

  async send(req: LlmRequest): Promise<LlmOutcome> {
    const index = this.calls.length;
    const sentUs = this.clock.nowUs();
    const call: ScriptedCall = { index, req, sentUs };
    this.calls.push(call);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const s = this.script(req, index);
      if (s.hang) return await new Promise<never>(() => undefined);
      const chunkTimesUs: number[] = [];
      const pieces = (s.text ?? Array.from({ length: s.chunks ?? 4 }, (_, i) => `w${i}`).join(' ')).split(
        ' ',
      );
      const nChunks = s.errorClass ? 0 : pieces.length;
      let text = '';
      const cancelled = (): LlmOutcome => ({
        sentUs,
        chunkTimesUs,
        endUs: this.clock.nowUs(),
        httpStatus: 200,
        errorClass: 'cancelled',
        errorMessage: 'aborted',
        text,
        reasoningText: '',
        toolCallText: '',
      });
      await this.clock.sleepUntilUs(sentUs + (s.ttftUs ?? 10_000), req.signal);
      if (req.signal.aborted) return cancelled();
      for (let i = 0; i < nChunks; i++) {
        if (i > 0) {
          await this.clock.sleepUntilUs(this.clock.nowUs() + (s.gapUs ?? 1_000), req.signal);
          if (req.signal.aborted) return cancelled();
        }
        chunkTimesUs.push(this.clock.nowUs());
        text += (i > 0 ? ' ' : '') + pieces[i];
      }
      const out: LlmOutcome = {
        sentUs,
        chunkTimesUs,
        ...(chunkTimesUs[0] !== undefined ? { firstContentUs: chunkTimesUs[0] } : {}),
        endUs: this.clock.nowUs(),
        httpStatus: s.httpStatus ?? (s.errorClass === 'http' ? 500 : s.errorClass ? 0 : 200),
        ...(s.errorClass ? { errorClass: s.errorClass, errorMessage: `scripted ${s.errorClass}` } : {}),
        ...(s.usage ? { usage: s.usage } : {}),
        text,
        reasoningText: '',
        toolCallText: '',
      };
      return out;
    } finally {
      this.inFlight--;
      call.endUs = this.clock.nowUs();
    }
  }

  async close(): Promise<void> {}
}
