import { SAMPLE_FLAG, type RequestSample, type SampleColumns } from '@inferbench/contracts';

/**
 * PostgreSQL's binary COPY format for "RequestSample" rows (https://www.postgresql.org/docs/15/sql-copy.html,
 * "Binary Format"). Chosen over the text format because PostgreSQL parses a binary int4[] (length-prefixed
 * big-endian int32s) far cheaper than the text literal `{1,2,...}`, and a 100-token sample carries ~100 gaps.
 *
 * Binary COPY does no type coercion: every field must be sent in exactly its column's type. Column types, from
 * prisma/migrations: text ("loadPointId", "tokenSource", "errorClass", "errorMessage"), integer (int4), boolean,
 * double precision (float8: the *Us times) and integer[] ("chunkGapsUs").
 */

/** Column order of the rows built by {@link toCopyBinary}; use it in the COPY statement's column list. */
export const COPY_BINARY_COLUMNS =
  '"loadPointId", "shardIndex", "attempt", "idx", "warmup", "scheduledUs", "clientQueueUs", "sentUs", "firstChunkUs", "firstContentUs", ' +
  '"endUs", "chunkGapsUs", "inputTokens", "outputTokens", "reasoningTokens", "tokenSource", "clientOutputTokens", "httpStatus", ' +
  '"errorClass", "errorMessage"';

const FIELD_COUNT = 20;
/** "PGCOPY\n\377\r\n\0", then int32 flags (0: no OIDs) and int32 header-extension length (0). */
const SIGNATURE = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00]);
const HEADER_BYTES = SIGNATURE.length + 8;
/** int16 -1 ends the data. */
const TRAILER_BYTES = 2;
/** pg_type oid of int4: the element type written into every binary int4[] */
const INT4_OID = 23;
/** int32 ndim, int32 flags (has-nulls), int32 element type */
const ARRAY_HEADER_BYTES = 12;

/**
 * Text for a binary-COPY text field: NUL removed (PostgreSQL text cannot hold it, and one bad byte in an error message
 * must not make the whole batch unstorable). Nothing else needs escaping in the binary format.
 */
export function copyBinaryText(v: string): string {
  return v.includes('\0') ? v.replaceAll('\0', '') : v;
}

/** Byte length of a sample's row apart from its text fields. */
function fixedRowBytes(s: RequestSample): number {
  const n = s.chunkGapsUs.length;
  return (
    2 + // field count
    FIELD_COUNT * 4 + // one length word per field
    3 * 4 + // shardIndex, attempt, idx
    1 + // warmup
    (s.scheduledUs === undefined ? 0 : 8) +
    (s.clientQueueUs === undefined ? 0 : 8) +
    8 + // sentUs
    (s.firstChunkUs === undefined ? 0 : 8) +
    (s.firstContentUs === undefined ? 0 : 8) +
    8 + // endUs
    ARRAY_HEADER_BYTES +
    (n === 0 ? 0 : 8 + n * 8) + // dimension (size, lower bound), then per element length + value
    3 * 4 + // inputTokens, outputTokens, reasoningTokens
    (s.clientOutputTokens === undefined ? 0 : 4) +
    4 // httpStatus
  );
}

function notInt4(field: string, idx: number, v: number): RangeError {
  return new RangeError(`sample idx ${idx}: ${field} = ${v} is not an int4 (integer column)`);
}

/**
 * One batch as a complete binary COPY stream (header, one row per sample in {@link COPY_BINARY_COLUMNS} order,
 * trailer), in one Buffer allocated at its exact size. Absent optional fields are NULL (length -1). An empty
 * `chunkGapsUs` is written as a zero-dimension array, which is what PostgreSQL itself stores for `'{}'`.
 * @throws RangeError when an integer-column value (or a chunk gap) does not fit an int4: the text format failed the
 *   COPY for such a value too, and the binary format would otherwise store a wrapped number.
 */
export function toCopyBinary(
  loadPointId: string,
  shardIndex: number,
  attempt: number,
  samples: readonly RequestSample[],
): Buffer {
  const pointId = Buffer.from(copyBinaryText(loadPointId), 'utf8');
  // text fields are measured once: their UTF-8 length is needed both for the size and for the length word
  const errorMessages = new Array<string | undefined>(samples.length);
  let total = HEADER_BYTES + TRAILER_BYTES;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    total += fixedRowBytes(s) + pointId.length + Buffer.byteLength(s.tokenSource, 'utf8');
    if (s.errorClass !== undefined) total += Buffer.byteLength(s.errorClass, 'utf8');
    if (s.errorMessage !== undefined) {
      const m = copyBinaryText(s.errorMessage);
      errorMessages[i] = m;
      total += Buffer.byteLength(m, 'utf8');
    }
  }

  const buf = Buffer.allocUnsafe(total);
  // DataView writes are big-endian by default and skip Buffer's per-call range checks (int4 ranges are checked here)
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let o = SIGNATURE.copy(buf, 0);
  dv.setInt32(o, 0);
  dv.setInt32(o + 4, 0);
  o += 8;

  const int4 = (field: string, idx: number, v: number): void => {
    if ((v | 0) !== v) throw notInt4(field, idx, v);
    dv.setInt32(o, 4);
    dv.setInt32(o + 4, v);
    o += 8;
  };
  const optInt4 = (field: string, idx: number, v: number | undefined): void => {
    if (v === undefined) {
      dv.setInt32(o, -1);
      o += 4;
    } else int4(field, idx, v);
  };
  const float8 = (v: number): void => {
    dv.setInt32(o, 8);
    dv.setFloat64(o + 4, v);
    o += 12;
  };
  const optFloat8 = (v: number | undefined): void => {
    if (v === undefined) {
      dv.setInt32(o, -1);
      o += 4;
    } else float8(v);
  };
  const text = (v: string | undefined): void => {
    if (v === undefined) {
      dv.setInt32(o, -1);
      o += 4;
      return;
    }
    const n = buf.write(v, o + 4, 'utf8');
    dv.setInt32(o, n);
    o += 4 + n;
  };

  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    const idx = s.idx;
    dv.setInt16(o, FIELD_COUNT);
    o += 2;
    dv.setInt32(o, pointId.length);
    o += 4 + pointId.copy(buf, o + 4);
    int4('shardIndex', idx, shardIndex);
    int4('attempt', idx, attempt);
    int4('idx', idx, idx);
    dv.setInt32(o, 1);
    buf[o + 4] = s.warmup ? 1 : 0;
    o += 5;
    optFloat8(s.scheduledUs);
    optFloat8(s.clientQueueUs);
    float8(s.sentUs);
    optFloat8(s.firstChunkUs);
    optFloat8(s.firstContentUs);
    float8(s.endUs);

    const gaps = s.chunkGapsUs;
    const n = gaps.length;
    const arrayBytes = ARRAY_HEADER_BYTES + (n === 0 ? 0 : 8 + n * 8);
    dv.setInt32(o, arrayBytes);
    dv.setInt32(o + 4, n === 0 ? 0 : 1); // ndim
    dv.setInt32(o + 8, 0); // no NULL elements
    dv.setInt32(o + 12, INT4_OID);
    o += 16;
    if (n !== 0) {
      dv.setInt32(o, n); // dimension length
      dv.setInt32(o + 4, 1); // lower bound
      o += 8;
      for (let g = 0; g < n; g++) {
        const v = gaps[g]!;
        if ((v | 0) !== v) throw notInt4(`chunkGapsUs[${g}]`, idx, v);
        dv.setInt32(o, 4);
        dv.setInt32(o + 4, v);
        o += 8;
      }
    }

    int4('inputTokens', idx, s.inputTokens);
    int4('outputTokens', idx, s.outputTokens);
    int4('reasoningTokens', idx, s.reasoningTokens);
    text(s.tokenSource);
    optInt4('clientOutputTokens', idx, s.clientOutputTokens);
    int4('httpStatus', idx, s.httpStatus);
    text(s.errorClass);
    text(errorMessages[i]);
  }
  dv.setInt16(o, -1);
  o += 2;
  if (o !== total)
    throw new Error(`binary COPY encoder: wrote ${o} bytes of ${total} (size computation is wrong)`);
  return buf;
}

/** Byte length of UTF-8 `b` without its NUL bytes (what {@link copyBinaryText} would leave of the string). */
function withoutNulLength(b: Uint8Array): number {
  let n = b.length;
  for (let i = b.indexOf(0); i !== -1; i = b.indexOf(0, i + 1)) n--;
  return n;
}

/**
 * The same COPY stream as {@link toCopyBinary}, byte for byte, written straight from a decoded `columnar-v2` batch
 * (`@inferbench/contracts` sample-batch-codec.ts): no per-sample objects, text fields copied as the UTF-8 bytes they
 * arrived in (NUL bytes dropped, as {@link copyBinaryText} drops NUL characters).
 * @throws RangeError when an integer-column value (or a chunk gap) does not fit an int4, as {@link toCopyBinary} does
 */
export function columnsToCopyBinary(
  loadPointId: string,
  shardIndex: number,
  attempt: number,
  c: SampleColumns,
): Buffer {
  const n = c.count;
  const F = SAMPLE_FLAG;
  const pointId = Buffer.from(copyBinaryText(loadPointId), 'utf8');
  const strings = c.stringBytes.map((b) => (b.includes(0) ? b.filter((x) => x !== 0) : b));
  const messageBytes = new Uint32Array(n);
  let total = HEADER_BYTES + TRAILER_BYTES;
  for (let i = 0; i < n; i++) {
    const f = c.flags[i]!;
    const gaps = c.gapStart[i + 1]! - c.gapStart[i]!;
    total +=
      2 +
      FIELD_COUNT * 4 +
      3 * 4 +
      1 +
      (f & F.scheduledUs ? 8 : 0) +
      (f & F.clientQueueUs ? 8 : 0) +
      8 +
      (f & F.firstChunkUs ? 8 : 0) +
      (f & F.firstContentUs ? 8 : 0) +
      8 +
      ARRAY_HEADER_BYTES +
      (gaps === 0 ? 0 : 8 + gaps * 8) +
      3 * 4 +
      (f & F.clientOutputTokens ? 4 : 0) +
      4 +
      pointId.length +
      strings[c.tokenSource[i]!]!.length;
    if (f & F.errorClass) total += strings[c.errorClass[i]!]!.length;
    if (f & F.errorMessage) {
      const start = c.messageStart[i]!;
      const m = withoutNulLength(c.bytes.subarray(start, start + c.messageLength[i]!));
      messageBytes[i] = m;
      total += m;
    }
  }

  const buf = Buffer.allocUnsafe(total);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let o = SIGNATURE.copy(buf, 0);
  dv.setInt32(o, 0);
  dv.setInt32(o + 4, 0);
  o += 8;
  const int4 = (field: string, idx: number, v: number): void => {
    if ((v | 0) !== v) throw notInt4(field, idx, v);
    dv.setInt32(o, 4);
    dv.setInt32(o + 4, v);
    o += 8;
  };
  const nul = (): void => {
    dv.setInt32(o, -1);
    o += 4;
  };
  const float8 = (v: number): void => {
    dv.setInt32(o, 8);
    dv.setFloat64(o + 4, v);
    o += 12;
  };
  const bytes = (b: Uint8Array): void => {
    dv.setInt32(o, b.length);
    buf.set(b, o + 4);
    o += 4 + b.length;
  };

  for (let i = 0; i < n; i++) {
    const f = c.flags[i]!;
    const idx = c.idx[i]!;
    dv.setInt16(o, FIELD_COUNT);
    o += 2;
    dv.setInt32(o, pointId.length);
    o += 4 + pointId.copy(buf, o + 4);
    int4('shardIndex', idx, shardIndex);
    int4('attempt', idx, attempt);
    int4('idx', idx, idx);
    dv.setInt32(o, 1);
    buf[o + 4] = f & F.warmup ? 1 : 0;
    o += 5;
    if (f & F.scheduledUs) float8(c.scheduledUs[i]!);
    else nul();
    if (f & F.clientQueueUs) float8(c.clientQueueUs[i]!);
    else nul();
    float8(c.sentUs[i]!);
    if (f & F.firstChunkUs) float8(c.firstChunkUs[i]!);
    else nul();
    if (f & F.firstContentUs) float8(c.firstContentUs[i]!);
    else nul();
    float8(c.endUs[i]!);

    const g0 = c.gapStart[i]!;
    const g1 = c.gapStart[i + 1]!;
    const ng = g1 - g0;
    dv.setInt32(o, ARRAY_HEADER_BYTES + (ng === 0 ? 0 : 8 + ng * 8));
    dv.setInt32(o + 4, ng === 0 ? 0 : 1); // ndim
    dv.setInt32(o + 8, 0); // no NULL elements
    dv.setInt32(o + 12, INT4_OID);
    o += 16;
    if (ng !== 0) {
      dv.setInt32(o, ng);
      dv.setInt32(o + 4, 1);
      o += 8;
      const gaps = c.gaps;
      for (let g = g0; g < g1; g++) {
        const v = gaps[g]!;
        if ((v | 0) !== v) throw notInt4(`chunkGapsUs[${g - g0}]`, idx, v);
        dv.setInt32(o, 4);
        dv.setInt32(o + 4, v);
        o += 8;
      }
    }

    int4('inputTokens', idx, c.inputTokens[i]!);
    int4('outputTokens', idx, c.outputTokens[i]!);
    int4('reasoningTokens', idx, c.reasoningTokens[i]!);
    bytes(strings[c.tokenSource[i]!]!);
    if (f & F.clientOutputTokens) int4('clientOutputTokens', idx, c.clientOutputTokens[i]!);
    else nul();
    int4('httpStatus', idx, c.httpStatus[i]!);
    if (f & F.errorClass) bytes(strings[c.errorClass[i]!]!);
    else nul();
    if (f & F.errorMessage) {
      const start = c.messageStart[i]!;
      const m = c.bytes.subarray(start, start + c.messageLength[i]!);
      if (messageBytes[i] === m.length) bytes(m);
      else bytes(m.filter((x) => x !== 0));
    } else nul();
  }
  dv.setInt16(o, -1);
  o += 2;
  if (o !== total)
    throw new Error(
      `binary COPY encoder (columns): wrote ${o} bytes of ${total} (size computation is wrong)`,
    );
  return buf;
}
