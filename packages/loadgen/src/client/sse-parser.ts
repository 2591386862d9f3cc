/**
 * Incremental, byte-level parser for `text/event-stream` (WHATWG HTML "server-sent events", §9.2.6).
 *
 * Why byte-level: a socket read can end anywhere, including inside a UTF-8 multibyte character or
 * between the CR and LF of a CRLF. Lines are therefore cut on bytes (CR and LF never occur inside a
 * UTF-8 sequence) and only whole lines are decoded, so no decoder state is needed.
 *
 * Hot path (one `data:` line per event, LF endings, one read holding whole events): `indexOf` on the
 * Buffer (native memchr), a 5-byte prefix check, one `utf8` slice per line, no regex, no per-byte JS loop.
 */

/** One dispatched event. */
export interface SseEvent {
  /** `event:` field, `message` when none was given */
  type: string;
  /** `data:` lines joined by `\n` */
  data: string;
  /** last event id seen on the stream so far (`id:` field), '' when none */
  lastEventId: string;
}

const LF = 10;
const CR = 13;
const COLON = 58;
const SPACE = 32;

/** Incremental SSE parser: `push()` every chunk as it arrives, events come out through the callback. */
export class SseParser {
  /** last valid `retry:` value seen, milliseconds (not used by this client, kept for completeness) */
  retryMs: number | undefined;

  private pendingParts: Buffer[] = [];
  private pendingBytes = 0;
  /** the previous chunk ended with CR: an LF at the start of the next chunk belongs to that CRLF */
  private skipLeadingLf = false;
  private isFirstLine = true;
  private data = '';
  private hasData = false;
  private eventType = '';
  private lastEventId = '';

  constructor(private readonly onEvent: (event: SseEvent) => void) {}

  /** Feed the next bytes of the stream. Events complete in these bytes are dispatched synchronously. */
  push(chunk: Uint8Array): void {
    const buf = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const len = buf.length;
    let pos = 0;
    if (this.skipLeadingLf && len > 0) {
      this.skipLeadingLf = false;
      if (buf[0] === LF) pos = 1;
    }
    // next LF / CR positions, recomputed only when passed; -1 = none in the rest of this chunk
    let nextLf = buf.indexOf(LF, pos);
    let nextCr = buf.indexOf(CR, pos);
    while (pos < len) {
      if (nextLf !== -1 && nextLf < pos) nextLf = buf.indexOf(LF, pos);
      if (nextCr !== -1 && nextCr < pos) nextCr = buf.indexOf(CR, pos);
      let end: number;
      if (nextCr === -1) end = nextLf;
      else if (nextLf === -1) end = nextCr;
      else end = nextLf < nextCr ? nextLf : nextCr;
      if (end === -1) {
        // incomplete line: keep a copy (the caller may reuse its buffer)
        const rest = Buffer.from(buf.subarray(pos));
        this.pendingParts.push(rest);
        this.pendingBytes += rest.length;
        return;
      }
      if (this.pendingBytes > 0) {
        this.pendingParts.push(buf.subarray(pos, end));
        const line = Buffer.concat(this.pendingParts);
        this.pendingParts = [];
        this.pendingBytes = 0;
        this.processLine(line, 0, line.length);
      } else {
        this.processLine(buf, pos, end);
      }
      if (buf[end] === CR) {
        if (end + 1 < len) pos = buf[end + 1] === LF ? end + 2 : end + 1;
        else {
          this.skipLeadingLf = true;
          pos = end + 1;
        }
      } else {
        pos = end + 1;
      }
    }
  }

  /**
   * End of stream. Per the spec an event without its terminating blank line is discarded.
   * @returns true when something (an unterminated line or event) was discarded
   */
  end(): boolean {
    const hadPartial = this.pendingBytes > 0 || this.hasData;
    this.pendingParts = [];
    this.pendingBytes = 0;
    this.data = '';
    this.hasData = false;
    this.eventType = '';
    return hadPartial;
  }

  private processLine(b: Buffer, s: number, e: number): void {
    if (this.isFirstLine) {
      this.isFirstLine = false;
      // a UTF-8 BOM at the start of the stream is ignored
      if (e - s >= 3 && b[s] === 0xef && b[s + 1] === 0xbb && b[s + 2] === 0xbf) s += 3;
    }
    if (s === e) {
      this.dispatch();
      return;
    }
    const c0 = b[s];
    if (c0 === COLON) return; // comment / keep-alive
    // fast path: "data:"
    if (
      c0 === 100 &&
      e - s >= 5 &&
      b[s + 1] === 97 &&
      b[s + 2] === 116 &&
      b[s + 3] === 97 &&
      b[s + 4] === COLON
    ) {
      let vs = s + 5;
      if (vs < e && b[vs] === SPACE) vs++;
      this.appendData(b.toString('utf8', vs, e));
      return;
    }
    let colon = b.indexOf(COLON, s);
    if (colon >= e) colon = -1;
    let field: string;
    let value: string;
    if (colon === -1) {
      field = b.toString('utf8', s, e);
      value = '';
    } else {
      field = b.toString('utf8', s, colon);
      let vs = colon + 1;
      if (vs < e && b[vs] === SPACE) vs++;
      value = b.toString('utf8', vs, e);
    }
    switch (field) {
      case 'data':
        this.appendData(value);
        break;
      case 'event':
        this.eventType = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value;
        break;
      case 'retry':
        if (/^[0-9]+$/.test(value)) this.retryMs = Number(value);
        break;
      default:
        break; // unknown fields are ignored
    }
  }

  private appendData(value: string): void {
    if (this.hasData) this.data += '\n' + value;
    else {
      this.data = value;
      this.hasData = true;
    }
  }

  private dispatch(): void {
    if (!this.hasData) {
      this.eventType = '';
      return;
    }
    const event: SseEvent = {
      type: this.eventType || 'message',
      data: this.data,
      lastEventId: this.lastEventId,
    };
    this.data = '';
    this.hasData = false;
    this.eventType = '';
    this.onEvent(event);
  }
}
