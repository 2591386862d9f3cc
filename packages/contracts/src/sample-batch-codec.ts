import { ErrorClassSchema, TokenSourceSchema } from './common.js';
import type { RequestSample } from './samples.js';
import type {
  AgentEvent,
  AgentWireEvent,
  CompactSampleBatchEvent,
  SampleBatchEvent,
  SampleBatchWire,
} from './events.js';

/**
 * `columnar-v2`: the compact encoding of a `sample.batch` (issue 14). A JSON batch of 500 samples × 100 chunk gaps is
 * ~450 KB, almost all of it gaps written as decimal integers; this layout stores the batch as columns of varints
 * (~2 bytes per gap) and travels in the event as base64 (`data`), so the HMAC of the event's JSON covers it.
 *
 * Byte layout (all integers are varints unless said otherwise):
 * ```
 * u8      format tag, 0x02
 * uvar    n, the number of samples
 * u8      gap mode: 0 = each gap as a uvar; 1 = each gap as the svar difference to the gap before it (across samples,
 *         the first against 0). The encoder writes whichever is smaller for the batch.
 * uvar    k, then k × (uvar byte length, UTF-8 bytes): the string table (tokenSource and errorClass values)
 * then one column after the other, each with one entry per sample in order, or per sample whose flag says present:
 *   flags           uvar   bit 0 warmup, 1 scheduledUs, 2 clientQueueUs, 3 firstChunkUs, 4 firstContentUs,
 *                          5 clientOutputTokens, 6 errorClass, 7 errorMessage, 8 ABS (times written absolute)
 *   idx             svar   idx − previous sample's idx (the first against −1)
 *   sentUs          svar   sentUs − previous sample's sentUs (the first against 0)          | ABS: sentUs
 *   scheduledUs     svar   scheduledUs − sentUs           (present only)                    | ABS: scheduledUs
 *   clientQueueUs   uvar   (present only)
 *   firstChunkUs    svar   firstChunkUs − sentUs          (present only)                    | ABS: firstChunkUs
 *   firstContentUs  svar   firstContentUs − (firstChunkUs if present, else sentUs)          | ABS: firstContentUs
 *   endUs           svar   endUs − sentUs                                                   | ABS: endUs
 *   inputTokens, outputTokens, reasoningTokens   uvar each (three columns)
 *   tokenSource     uvar   index into the string table
 *   clientOutputTokens  uvar  (present only)
 *   httpStatus      uvar
 *   errorClass      uvar   index into the string table (present only)
 *   errorMessage    uvar byte length, UTF-8 bytes (present only)
 *   gapCount        uvar   chunkGapsUs.length
 *   gaps            every sample's chunk gaps, one after the other, in the gap mode
 * ```
 * `uvar` is unsigned LEB128 (7 bits a byte, low first) of a safe integer (at most 8 bytes). `svar` is sign-magnitude:
 * the first byte holds the sign (bit 0), the low 6 bits of the magnitude (bits 1–6) and a continuation bit (7); a
 * continuation is the uvar of magnitude / 64. Unlike zigzag it represents every safe integer exactly. A sample is
 * ABS when one of its differences would leave the safe-integer range. Nothing may follow the gaps.
 *
 * Not carried: `connectionRetries` (never stored per row; it reaches the point's summary through the accumulator).
 * The decoder accepts exactly what `RequestSampleSchema` accepts (apart from that field): integers that are safe and
 * non-negative where the schema says so, tokenSource / errorClass of their enums, error messages of valid UTF-8 with at
 * most 2,000 UTF-16 code units. Anything else is a {@link SampleBatchFormatError}.
 */
export const COLUMNAR_V2 = 'columnar-v2';
/** The encodings of a sample batch on the ingest queue (`encoding` of the event; absent = json-v1). */
export const SAMPLE_BATCH_ENCODINGS = ['json-v1', COLUMNAR_V2] as const;
export type SampleBatchEncoding = (typeof SAMPLE_BATCH_ENCODINGS)[number];
const FORMAT_TAG = 0x02;
const GAPS_RAW = 0;
const GAPS_DELTA = 1;
const MAX_ERROR_MESSAGE = 2000;

/** Flag bits of one sample in a columnar-v2 batch (see {@link SampleColumns.flags}). */
export const SAMPLE_FLAG = {
  warmup: 1,
  scheduledUs: 2,
  clientQueueUs: 4,
  firstChunkUs: 8,
  firstContentUs: 16,
  clientOutputTokens: 32,
  errorClass: 64,
  errorMessage: 128,
  abs: 256,
} as const;
const KNOWN_FLAGS = 511;

/** A columnar-v2 payload that cannot be decoded, or that holds a value the sample schema refuses. */
export class SampleBatchFormatError extends Error {
  override readonly name = 'SampleBatchFormatError';
}

/**
 * A decoded columnar-v2 batch, still as columns: what the API writes straight into its binary COPY without building
 * per-sample objects. Entry i of each numeric column is sample i's value; an optional field is meaningful only where
 * its {@link SAMPLE_FLAG} bit is set in `flags[i]` (0 otherwise).
 */
export interface SampleColumns {
  count: number;
  flags: Uint16Array;
  idx: Float64Array;
  scheduledUs: Float64Array;
  clientQueueUs: Float64Array;
  sentUs: Float64Array;
  firstChunkUs: Float64Array;
  firstContentUs: Float64Array;
  endUs: Float64Array;
  inputTokens: Float64Array;
  outputTokens: Float64Array;
  reasoningTokens: Float64Array;
  clientOutputTokens: Float64Array;
  httpStatus: Float64Array;
  /** the string table; `tokenSource[i]` and `errorClass[i]` index into it (and into `stringBytes`) */
  strings: string[];
  /** UTF-8 of each string of the table */
  stringBytes: Uint8Array[];
  tokenSource: Uint32Array;
  errorClass: Uint32Array;
  /** the payload: error message i is `bytes.subarray(messageStart[i], messageStart[i] + messageLength[i])` */
  bytes: Uint8Array;
  messageStart: Uint32Array;
  messageLength: Uint32Array;
  /** sample i's chunk gaps are `gaps.subarray(gapStart[i], gapStart[i + 1])` (n + 1 entries) */
  gapStart: Uint32Array;
  gaps: Float64Array;
}

// ---------------------------------------------------------------------------------------------------------------
// encoding

class ByteWriter {
  buf: Uint8Array;
  p = 0;
  constructor(capacity: number) {
    this.buf = new Uint8Array(Math.max(64, capacity));
  }
  ensure(extra: number): void {
    if (this.p + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.p + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.p));
    this.buf = next;
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.p++] = v;
  }
  /** v: a non-negative safe integer */
  uvar(v: number): void {
    this.ensure(8);
    const b = this.buf;
    let p = this.p;
    if (v < 0x10000000) {
      while (v >= 0x80) {
        b[p++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
    } else {
      while (v >= 0x80) {
        b[p++] = (v % 128) | 0x80;
        v = Math.floor(v / 128);
      }
    }
    b[p++] = v;
    this.p = p;
  }
  /** v: a safe integer */
  svar(v: number): void {
    const neg = v < 0 ? 1 : 0;
    const m = neg ? -v : v;
    if (m < 64) {
      this.u8((m << 1) | neg);
      return;
    }
    this.u8(((m % 64) << 1) | neg | 0x80);
    this.uvar(Math.floor(m / 64));
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.p);
    this.p += b.length;
  }
}

const uvarLen = (v: number): number =>
  v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : Math.ceil(Math.log2(v + 1) / 7);
const svarLen = (v: number): number => {
  const m = v < 0 ? -v : v;
  return m < 64 ? 1 : 1 + uvarLen(Math.floor(m / 64));
};

function notEncodable(i: number, field: string, v: unknown): RangeError {
  return new RangeError(`sample ${i}: ${field} = ${String(v)} is not a valid RequestSample value`);
}

const utf8 = new TextEncoder();

/**
 * Encode samples as a columnar-v2 payload.
 * @throws RangeError when a sample holds a value RequestSampleSchema refuses (a non-integer time, a negative count, an
 *   unknown token source…): such a batch cannot be represented; send it as JSON and let the API refuse it.
 */
export function encodeSampleColumns(samples: readonly RequestSample[]): Uint8Array {
  const n = samples.length;
  const flags = new Uint16Array(n);
  const table: string[] = [];
  const tableIndex = new Map<string, number>();
  const stringOf = (s: string): number => {
    let k = tableIndex.get(s);
    if (k === undefined) {
      k = table.length;
      table.push(s);
      tableIndex.set(s, k);
    }
    return k;
  };
  const tokenSources = new Uint32Array(n);
  const errorClasses = new Uint32Array(n);
  const messages: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(n);
  const safe = Number.isSafeInteger;
  const nonNeg = (v: number): boolean => safe(v) && v >= 0;

  // pass 1: validate, flags, ABS, string table, and the size of both gap modes
  let rawGapBytes = 0;
  let deltaGapBytes = 0;
  let prevGap = 0;
  let prevSent = 0;
  let msgBytes = 0;
  for (let i = 0; i < n; i++) {
    const s = samples[i]!;
    let f = s.warmup ? SAMPLE_FLAG.warmup : 0;
    if (!nonNeg(s.idx)) throw notEncodable(i, 'idx', s.idx);
    if (!safe(s.sentUs)) throw notEncodable(i, 'sentUs', s.sentUs);
    if (!safe(s.endUs)) throw notEncodable(i, 'endUs', s.endUs);
    let abs = !safe(s.sentUs - prevSent) || !safe(s.endUs - s.sentUs);
    if (s.scheduledUs !== undefined) {
      if (!safe(s.scheduledUs)) throw notEncodable(i, 'scheduledUs', s.scheduledUs);
      f |= SAMPLE_FLAG.scheduledUs;
      abs ||= !safe(s.scheduledUs - s.sentUs);
    }
    if (s.clientQueueUs !== undefined) {
      if (!nonNeg(s.clientQueueUs)) throw notEncodable(i, 'clientQueueUs', s.clientQueueUs);
      f |= SAMPLE_FLAG.clientQueueUs;
    }
    if (s.firstChunkUs !== undefined) {
      if (!safe(s.firstChunkUs)) throw notEncodable(i, 'firstChunkUs', s.firstChunkUs);
      f |= SAMPLE_FLAG.firstChunkUs;
      abs ||= !safe(s.firstChunkUs - s.sentUs);
    }
    if (s.firstContentUs !== undefined) {
      if (!safe(s.firstContentUs)) throw notEncodable(i, 'firstContentUs', s.firstContentUs);
      f |= SAMPLE_FLAG.firstContentUs;
      abs ||= !safe(s.firstContentUs - (s.firstChunkUs ?? s.sentUs));
    }
    if (abs) f |= SAMPLE_FLAG.abs;
    prevSent = s.sentUs;
    if (!nonNeg(s.inputTokens)) throw notEncodable(i, 'inputTokens', s.inputTokens);
    if (!nonNeg(s.outputTokens)) throw notEncodable(i, 'outputTokens', s.outputTokens);
    const reasoning = s.reasoningTokens ?? 0;
    if (!nonNeg(reasoning)) throw notEncodable(i, 'reasoningTokens', reasoning);
    if (!nonNeg(s.httpStatus)) throw notEncodable(i, 'httpStatus', s.httpStatus);
    if (!TokenSourceSchema.options.includes(s.tokenSource))
      throw notEncodable(i, 'tokenSource', s.tokenSource);
    tokenSources[i] = stringOf(s.tokenSource);
    if (s.clientOutputTokens !== undefined) {
      if (!nonNeg(s.clientOutputTokens)) throw notEncodable(i, 'clientOutputTokens', s.clientOutputTokens);
      f |= SAMPLE_FLAG.clientOutputTokens;
    }
    if (s.errorClass !== undefined) {
      if (!ErrorClassSchema.options.includes(s.errorClass)) throw notEncodable(i, 'errorClass', s.errorClass);
      f |= SAMPLE_FLAG.errorClass;
      errorClasses[i] = stringOf(s.errorClass);
    }
    if (s.errorMessage !== undefined) {
      if (typeof s.errorMessage !== 'string' || s.errorMessage.length > MAX_ERROR_MESSAGE)
        throw notEncodable(i, 'errorMessage', '(a string of more than 2000 code units)');
      f |= SAMPLE_FLAG.errorMessage;
      const m = utf8.encode(s.errorMessage);
      messages[i] = m;
      msgBytes += m.length + 2;
    }
    flags[i] = f;
    const gaps = s.chunkGapsUs;
    for (let g = 0; g < gaps.length; g++) {
      const v = gaps[g]!;
      if (!nonNeg(v)) throw notEncodable(i, `chunkGapsUs[${g}]`, v);
      rawGapBytes += uvarLen(v);
      deltaGapBytes += svarLen(v - prevGap);
      prevGap = v;
    }
  }
  const gapMode = deltaGapBytes < rawGapBytes ? GAPS_DELTA : GAPS_RAW;

  const w = new ByteWriter(32 + n * 40 + msgBytes + Math.min(rawGapBytes, deltaGapBytes));
  w.u8(FORMAT_TAG);
  w.uvar(n);
  w.u8(gapMode);
  w.uvar(table.length);
  for (const s of table) {
    const b = utf8.encode(s);
    w.uvar(b.length);
    w.bytes(b);
  }
  for (let i = 0; i < n; i++) w.uvar(flags[i]!);
  let prevIdx = -1;
  for (let i = 0; i < n; i++) {
    const v = samples[i]!.idx;
    w.svar(v - prevIdx);
    prevIdx = v;
  }
  prevSent = 0;
  for (let i = 0; i < n; i++) {
    const v = samples[i]!.sentUs;
    w.svar(flags[i]! & SAMPLE_FLAG.abs ? v : v - prevSent);
    prevSent = v;
  }
  for (let i = 0; i < n; i++) {
    const s = samples[i]!;
    if (s.scheduledUs !== undefined)
      w.svar(flags[i]! & SAMPLE_FLAG.abs ? s.scheduledUs : s.scheduledUs - s.sentUs);
  }
  for (let i = 0; i < n; i++) {
    const s = samples[i]!;
    if (s.clientQueueUs !== undefined) w.uvar(s.clientQueueUs);
  }
  for (let i = 0; i < n; i++) {
    const s = samples[i]!;
    if (s.firstChunkUs !== undefined)
      w.svar(flags[i]! & SAMPLE_FLAG.abs ? s.firstChunkUs : s.firstChunkUs - s.sentUs);
  }
  for (let i = 0; i < n; i++) {
    const s = samples[i]!;
    if (s.firstContentUs !== undefined)
      w.svar(
        flags[i]! & SAMPLE_FLAG.abs ? s.firstContentUs : s.firstContentUs - (s.firstChunkUs ?? s.sentUs),
      );
  }
  for (let i = 0; i < n; i++) {
    const s = samples[i]!;
    w.svar(flags[i]! & SAMPLE_FLAG.abs ? s.endUs : s.endUs - s.sentUs);
  }
  for (let i = 0; i < n; i++) w.uvar(samples[i]!.inputTokens);
  for (let i = 0; i < n; i++) w.uvar(samples[i]!.outputTokens);
  for (let i = 0; i < n; i++) w.uvar(samples[i]!.reasoningTokens ?? 0);
  for (let i = 0; i < n; i++) w.uvar(tokenSources[i]!);
  for (let i = 0; i < n; i++) {
    const v = samples[i]!.clientOutputTokens;
    if (v !== undefined) w.uvar(v);
  }
  for (let i = 0; i < n; i++) w.uvar(samples[i]!.httpStatus);
  for (let i = 0; i < n; i++) if (flags[i]! & SAMPLE_FLAG.errorClass) w.uvar(errorClasses[i]!);
  for (let i = 0; i < n; i++) {
    const m = messages[i];
    if (m !== undefined) {
      w.uvar(m.length);
      w.bytes(m);
    }
  }
  for (let i = 0; i < n; i++) w.uvar(samples[i]!.chunkGapsUs.length);
  // the gaps: their exact size is known from pass 1, so the buffer is sized once and the common varints of up to
  // three bytes are written inline
  const gapBytes = gapMode === GAPS_RAW ? rawGapBytes : deltaGapBytes;
  w.ensure(gapBytes + 16); // + the slack of uvar/svar's own ensure: the buffer is never reallocated below
  const b = w.buf;
  const gapEnd = w.p + gapBytes;
  let p = w.p;
  prevGap = 0;
  for (let i = 0; i < n; i++) {
    const gaps = samples[i]!.chunkGapsUs;
    for (let g = 0; g < gaps.length; g++) {
      const v = gaps[g]!;
      if (gapMode === GAPS_RAW) {
        if (v < 0x80) b[p++] = v;
        else if (v < 0x4000) {
          b[p++] = (v & 0x7f) | 0x80;
          b[p++] = v >>> 7;
        } else if (v < 0x200000) {
          b[p++] = (v & 0x7f) | 0x80;
          b[p++] = ((v >>> 7) & 0x7f) | 0x80;
          b[p++] = v >>> 14;
        } else {
          w.p = p;
          w.uvar(v);
          p = w.p;
        }
      } else {
        const d = v - prevGap;
        prevGap = v;
        const neg = d < 0 ? 1 : 0;
        const m = neg ? -d : d;
        if (m < 64) b[p++] = (m << 1) | neg;
        else if (m < 0x2000) {
          b[p++] = ((m & 63) << 1) | neg | 0x80;
          b[p++] = m >>> 6;
        } else if (m < 0x100000) {
          b[p++] = ((m & 63) << 1) | neg | 0x80;
          b[p++] = ((m >>> 6) & 0x7f) | 0x80;
          b[p++] = m >>> 13;
        } else {
          w.p = p;
          w.svar(d);
          p = w.p;
        }
      }
    }
  }
  if (p !== gapEnd)
    throw new Error(`columnar-v2 encoder: wrote ${p - gapEnd} bytes more gap bytes than sized`);
  w.p = p;
  return w.buf.subarray(0, w.p);
}

// ---------------------------------------------------------------------------------------------------------------
// decoding

function bad(msg: string): SampleBatchFormatError {
  return new SampleBatchFormatError(`columnar-v2 batch: ${msg}`);
}

class ByteReader {
  p = 0;
  constructor(readonly b: Uint8Array) {}
  u8(): number {
    if (this.p >= this.b.length) throw bad('truncated');
    return this.b[this.p++]!;
  }
  uvar(): number {
    const b = this.b;
    let p = this.p;
    if (p >= b.length) throw bad('truncated');
    let x = b[p++]!;
    if (x < 0x80) {
      this.p = p;
      return x;
    }
    let v = x & 0x7f;
    let mul = 128;
    for (let i = 1; ; i++) {
      if (p >= b.length) throw bad('truncated');
      if (i >= 8) throw bad('varint longer than 8 bytes');
      x = b[p++]!;
      v += (x & 0x7f) * mul;
      if (x < 0x80) break;
      mul *= 128;
    }
    if (v > Number.MAX_SAFE_INTEGER) throw bad('integer beyond the safe range');
    this.p = p;
    return v;
  }
  svar(): number {
    const x = this.u8();
    const low = (x >> 1) & 0x3f;
    let m = low;
    if (x & 0x80) {
      m = this.uvar() * 64 + low;
      if (m > Number.MAX_SAFE_INTEGER) throw bad('integer beyond the safe range');
    }
    return x & 1 && m !== 0 ? -m : m;
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const TOKEN_SOURCES: readonly string[] = TokenSourceSchema.options;
const ERROR_CLASSES: readonly string[] = ErrorClassSchema.options;

function checkSafe(v: number, what: string, i: number): number {
  if (!Number.isSafeInteger(v)) throw bad(`sample ${i}: ${what} is beyond the safe-integer range`);
  return v;
}

/**
 * Decode a columnar-v2 payload into columns (no per-sample objects).
 * @throws SampleBatchFormatError when the payload is malformed or holds a value RequestSampleSchema refuses
 */
export function decodeSampleColumns(bytes: Uint8Array): SampleColumns {
  const r = new ByteReader(bytes);
  if (r.u8() !== FORMAT_TAG) throw bad('not a columnar-v2 payload (format tag)');
  const n = r.uvar();
  // every sample takes at least 10 bytes (one per column that is never absent), which bounds n by the payload
  if (n * 10 > bytes.length) throw bad(`${n} samples cannot fit ${bytes.length} bytes`);
  const gapMode = r.u8();
  if (gapMode !== GAPS_RAW && gapMode !== GAPS_DELTA) throw bad(`unknown gap mode ${gapMode}`);
  const k = r.uvar();
  if (k > bytes.length) throw bad('string table larger than the payload');
  const strings: string[] = [];
  const stringBytes: Uint8Array[] = [];
  for (let j = 0; j < k; j++) {
    const len = r.uvar();
    if (r.p + len > bytes.length) throw bad('truncated string table');
    const b = bytes.subarray(r.p, r.p + len);
    r.p += len;
    let s: string;
    try {
      s = strictUtf8.decode(b);
    } catch {
      throw bad('string table entry is not UTF-8');
    }
    strings.push(s);
    stringBytes.push(b);
  }

  const flags = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    const f = r.uvar();
    if (f > KNOWN_FLAGS) throw bad(`sample ${i}: unknown flag bits ${f}`);
    flags[i] = f;
  }
  const has = (i: number, bit: number): boolean => (flags[i]! & bit) !== 0;
  const abs = (i: number): boolean => (flags[i]! & SAMPLE_FLAG.abs) !== 0;

  const idx = new Float64Array(n);
  let prev = -1;
  for (let i = 0; i < n; i++) {
    const v = checkSafe(prev + r.svar(), 'idx', i);
    if (v < 0) throw bad(`sample ${i}: idx ${v} is negative`);
    idx[i] = prev = v;
  }
  const sentUs = new Float64Array(n);
  prev = 0;
  for (let i = 0; i < n; i++) {
    const d = r.svar();
    sentUs[i] = prev = abs(i) ? d : checkSafe(prev + d, 'sentUs', i);
  }
  const scheduledUs = new Float64Array(n);
  for (let i = 0; i < n; i++)
    if (has(i, SAMPLE_FLAG.scheduledUs)) {
      const d = r.svar();
      scheduledUs[i] = abs(i) ? d : checkSafe(sentUs[i]! + d, 'scheduledUs', i);
    }
  const clientQueueUs = new Float64Array(n);
  for (let i = 0; i < n; i++) if (has(i, SAMPLE_FLAG.clientQueueUs)) clientQueueUs[i] = r.uvar();
  const firstChunkUs = new Float64Array(n);
  for (let i = 0; i < n; i++)
    if (has(i, SAMPLE_FLAG.firstChunkUs)) {
      const d = r.svar();
      firstChunkUs[i] = abs(i) ? d : checkSafe(sentUs[i]! + d, 'firstChunkUs', i);
    }
  const firstContentUs = new Float64Array(n);
  for (let i = 0; i < n; i++)
    if (has(i, SAMPLE_FLAG.firstContentUs)) {
      const d = r.svar();
      const ref = has(i, SAMPLE_FLAG.firstChunkUs) ? firstChunkUs[i]! : sentUs[i]!;
      firstContentUs[i] = abs(i) ? d : checkSafe(ref + d, 'firstContentUs', i);
    }
  const endUs = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = r.svar();
    endUs[i] = abs(i) ? d : checkSafe(sentUs[i]! + d, 'endUs', i);
  }
  const column = (): Float64Array => {
    const c = new Float64Array(n);
    for (let i = 0; i < n; i++) c[i] = r.uvar();
    return c;
  };
  const inputTokens = column();
  const outputTokens = column();
  const reasoningTokens = column();
  const tokenSource = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const j = r.uvar();
    if (j >= k || !TOKEN_SOURCES.includes(strings[j]!)) throw bad(`sample ${i}: invalid tokenSource`);
    tokenSource[i] = j;
  }
  const clientOutputTokens = new Float64Array(n);
  for (let i = 0; i < n; i++) if (has(i, SAMPLE_FLAG.clientOutputTokens)) clientOutputTokens[i] = r.uvar();
  const httpStatus = column();
  const errorClass = new Uint32Array(n);
  for (let i = 0; i < n; i++)
    if (has(i, SAMPLE_FLAG.errorClass)) {
      const j = r.uvar();
      if (j >= k || !ERROR_CLASSES.includes(strings[j]!)) throw bad(`sample ${i}: invalid errorClass`);
      errorClass[i] = j;
    }
  const messageStart = new Uint32Array(n);
  const messageLength = new Uint32Array(n);
  for (let i = 0; i < n; i++)
    if (has(i, SAMPLE_FLAG.errorMessage)) {
      const len = r.uvar();
      if (r.p + len > bytes.length) throw bad(`sample ${i}: truncated errorMessage`);
      const b = bytes.subarray(r.p, r.p + len);
      // at most 2,000 UTF-16 code units, like the schema: each code unit takes at least one byte of UTF-8
      let text: string;
      try {
        text = strictUtf8.decode(b);
      } catch {
        throw bad(`sample ${i}: errorMessage is not UTF-8`);
      }
      if (len > MAX_ERROR_MESSAGE && text.length > MAX_ERROR_MESSAGE)
        throw bad(`sample ${i}: errorMessage longer than ${MAX_ERROR_MESSAGE} characters`);
      messageStart[i] = r.p;
      messageLength[i] = len;
      r.p += len;
    }
  const gapStart = new Uint32Array(n + 1);
  let total = 0;
  for (let i = 0; i < n; i++) {
    gapStart[i] = total;
    total += r.uvar();
    // each gap takes at least one byte
    if (total > bytes.length - r.p) throw bad('more chunk gaps than bytes left');
  }
  gapStart[n] = total;
  const gaps = new Float64Array(total);
  const b = bytes;
  let p = r.p;
  const end = b.length;
  // the hot loop (~100 gaps a sample): varints of up to three bytes are read inline, longer ones by the reader
  if (gapMode === GAPS_RAW) {
    for (let g = 0; g < total; g++) {
      if (p >= end) throw bad('truncated chunk gaps');
      const x = b[p]!;
      if (x < 0x80) {
        gaps[g] = x;
        p++;
      } else if (p + 2 < end) {
        const y = b[p + 1]!;
        if (y < 0x80) {
          gaps[g] = (x & 0x7f) | (y << 7);
          p += 2;
        } else if (b[p + 2]! < 0x80) {
          gaps[g] = (x & 0x7f) | ((y & 0x7f) << 7) | (b[p + 2]! << 14);
          p += 3;
        } else {
          r.p = p;
          gaps[g] = r.uvar();
          p = r.p;
        }
      } else {
        r.p = p;
        gaps[g] = r.uvar();
        p = r.p;
      }
    }
  } else {
    let prevGap = 0;
    for (let g = 0; g < total; g++) {
      if (p >= end) throw bad('truncated chunk gaps');
      const x = b[p]!;
      let d: number;
      if (x < 0x80) {
        d = x & 1 ? -(x >> 1) : x >> 1;
        p++;
      } else if (p + 2 < end) {
        const y = b[p + 1]!;
        let m: number;
        if (y < 0x80) {
          m = ((x >> 1) & 0x3f) | (y << 6);
          p += 2;
        } else if (b[p + 2]! < 0x80) {
          m = ((x >> 1) & 0x3f) | ((y & 0x7f) << 6) | (b[p + 2]! << 13);
          p += 3;
        } else {
          r.p = p;
          m = -1;
        }
        if (m >= 0) d = x & 1 ? -m : m;
        else {
          d = r.svar();
          p = r.p;
        }
      } else {
        r.p = p;
        d = r.svar();
        p = r.p;
      }
      const v = prevGap + d;
      if (v < 0 || v > Number.MAX_SAFE_INTEGER)
        throw bad(`chunk gap ${g} is negative or beyond the safe range`);
      gaps[g] = prevGap = v;
    }
  }
  if (p !== end) throw bad(`${end - p} bytes after the chunk gaps`);
  return {
    count: n,
    flags,
    idx,
    scheduledUs,
    clientQueueUs,
    sentUs,
    firstChunkUs,
    firstContentUs,
    endUs,
    inputTokens,
    outputTokens,
    reasoningTokens,
    clientOutputTokens,
    httpStatus,
    strings,
    stringBytes,
    tokenSource,
    errorClass,
    bytes,
    messageStart,
    messageLength,
    gapStart,
    gaps,
  };
}

const utf8Lenient = new TextDecoder('utf-8');

/** Columns back to samples (tests, the rare row-wise fallback of the COPY path); `connectionRetries` is not carried. */
export function columnsToSamples(c: SampleColumns): RequestSample[] {
  const out = new Array<RequestSample>(c.count);
  for (let i = 0; i < c.count; i++) {
    const f = c.flags[i]!;
    const s: RequestSample = {
      idx: c.idx[i]!,
      warmup: (f & SAMPLE_FLAG.warmup) !== 0,
      sentUs: c.sentUs[i]!,
      endUs: c.endUs[i]!,
      chunkGapsUs: Array.from(c.gaps.subarray(c.gapStart[i]!, c.gapStart[i + 1]!)),
      inputTokens: c.inputTokens[i]!,
      outputTokens: c.outputTokens[i]!,
      reasoningTokens: c.reasoningTokens[i]!,
      tokenSource: c.strings[c.tokenSource[i]!] as RequestSample['tokenSource'],
      httpStatus: c.httpStatus[i]!,
    };
    if (f & SAMPLE_FLAG.scheduledUs) s.scheduledUs = c.scheduledUs[i]!;
    if (f & SAMPLE_FLAG.clientQueueUs) s.clientQueueUs = c.clientQueueUs[i]!;
    if (f & SAMPLE_FLAG.firstChunkUs) s.firstChunkUs = c.firstChunkUs[i]!;
    if (f & SAMPLE_FLAG.firstContentUs) s.firstContentUs = c.firstContentUs[i]!;
    if (f & SAMPLE_FLAG.clientOutputTokens) s.clientOutputTokens = c.clientOutputTokens[i]!;
    if (f & SAMPLE_FLAG.errorClass)
      s.errorClass = c.strings[c.errorClass[i]!] as NonNullable<RequestSample['errorClass']>;
    if (f & SAMPLE_FLAG.errorMessage)
      s.errorMessage = utf8Lenient.decode(
        c.bytes.subarray(c.messageStart[i]!, c.messageStart[i]! + c.messageLength[i]!),
      );
    out[i] = s;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// base64 and events

/** Node's Buffer when present (fast base64); browsers fall back to btoa/atob. */
const NodeBuffer: typeof Buffer | undefined = typeof Buffer === 'undefined' ? undefined : Buffer;

export function bytesToBase64(b: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
  let bin = '';
  for (let i = 0; i < b.length; i += 0x8000)
    bin += String.fromCharCode(...b.subarray(i, Math.min(b.length, i + 0x8000)));
  return btoa(bin);
}

export function base64ToBytes(s: string): Uint8Array {
  if (NodeBuffer) return NodeBuffer.from(s, 'base64');
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The same batch in columnar-v2 (the envelope unchanged). @throws RangeError like {@link encodeSampleColumns} */
export function toCompactSampleBatch(e: SampleBatchEvent): CompactSampleBatchEvent {
  const { samples, encoding: _json, ...envelope } = e;
  return {
    ...envelope,
    encoding: COLUMNAR_V2,
    sampleCount: samples.length,
    data: bytesToBase64(encodeSampleColumns(samples)),
  };
}

export function isCompactSampleBatch(e: SampleBatchWire): e is CompactSampleBatchEvent {
  return e.encoding === COLUMNAR_V2;
}

/**
 * A compact batch's columns, checked against its `sampleCount`.
 * @throws SampleBatchFormatError when the payload is malformed
 */
export function decodeSampleBatchColumns(e: CompactSampleBatchEvent): SampleColumns {
  const cols = decodeSampleColumns(base64ToBytes(e.data));
  if (cols.count !== e.sampleCount)
    throw bad(`holds ${cols.count} samples, the event announces ${e.sampleCount}`);
  return cols;
}

/** The samples of a batch in either encoding (tests and tools; the API's ingest path reads columns). */
export function sampleBatchSamples(e: SampleBatchWire): RequestSample[] {
  return isCompactSampleBatch(e) ? columnsToSamples(decodeSampleBatchColumns(e)) : e.samples;
}

/**
 * An ingest job's event as the agent built it: a columnar-v2 batch decoded back to its json-v1 form (without
 * `encoding`), anything else as it is (tests and tools that read the queue).
 * @throws SampleBatchFormatError when a compact payload is malformed
 */
export function agentEventOfWire(e: AgentWireEvent): AgentEvent {
  if (e.type !== 'sample.batch' || !isCompactSampleBatch(e)) return e;
  const { encoding: _enc, sampleCount: _n, data: _data, ...envelope } = e;
  return { ...envelope, samples: columnsToSamples(decodeSampleBatchColumns(e)) };
}
