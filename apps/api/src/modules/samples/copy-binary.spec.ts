import { describe, expect, it } from 'vitest';
import type { RequestSample } from '@inferbench/contracts';
import { copyBinaryText, toCopyBinary } from './copy-binary.js';

type Field = Buffer | null;

/** A reader of PostgreSQL's binary COPY stream written from the format's documentation (not from the encoder). */
function decode(buf: Buffer): Field[][] {
  expect(buf.subarray(0, 11).equals(Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'))).toBe(true);
  expect(buf.readInt32BE(11)).toBe(0); // flags
  expect(buf.readInt32BE(15)).toBe(0); // header extension
  let o = 19;
  const rows: Field[][] = [];
  for (;;) {
    const count = buf.readInt16BE(o);
    o += 2;
    if (count === -1) break;
    const row: Field[] = [];
    for (let f = 0; f < count; f++) {
      const len = buf.readInt32BE(o);
      o += 4;
      if (len === -1) row.push(null);
      else {
        row.push(buf.subarray(o, o + len));
        o += len;
      }
    }
    rows.push(row);
  }
  expect(o).toBe(buf.length); // nothing after the trailer
  return rows;
}

function int4Array(f: Field): number[] {
  if (f === null) throw new Error('NULL array');
  const ndim = f.readInt32BE(0);
  expect(f.readInt32BE(4)).toBe(0); // no NULL elements
  expect(f.readInt32BE(8)).toBe(23); // int4 oid
  if (ndim === 0) {
    expect(f.length).toBe(12);
    return [];
  }
  expect(ndim).toBe(1);
  const n = f.readInt32BE(12);
  expect(f.readInt32BE(16)).toBe(1); // lower bound
  expect(f.length).toBe(20 + n * 8);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    expect(f.readInt32BE(20 + i * 8)).toBe(4);
    out.push(f.readInt32BE(24 + i * 8));
  }
  return out;
}

function int4(f: Field): number | null {
  if (f === null) return null;
  expect(f.length).toBe(4);
  return f.readInt32BE(0);
}

function float8(f: Field): number | null {
  if (f === null) return null;
  expect(f.length).toBe(8);
  return f.readDoubleBE(0);
}

const text = (f: Field): string | null => (f === null ? null : f.toString('utf8'));

const sample = (over: Partial<RequestSample> = {}): RequestSample => ({
  idx: 0,
  warmup: false,
  sentUs: 1_000,
  firstChunkUs: 2_000,
  firstContentUs: 2_000,
  endUs: 3_000,
  chunkGapsUs: [500, 500],
  inputTokens: 32,
  outputTokens: 3,
  reasoningTokens: 0,
  tokenSource: 'server',
  httpStatus: 200,
  ...over,
});

describe('toCopyBinary', () => {
  it('writes header, 20 typed fields per row in column order, and the trailer', () => {
    const rows = decode(
      toCopyBinary('lp-1', 3, 2, [
        sample({ idx: 7, warmup: true, scheduledUs: 900, clientQueueUs: 12, clientOutputTokens: 4 }),
      ]),
    );
    expect(rows).toHaveLength(1);
    const r = rows[0]!;
    expect(r).toHaveLength(20);
    expect(text(r[0]!)).toBe('lp-1');
    expect([int4(r[1]!), int4(r[2]!), int4(r[3]!)]).toEqual([3, 2, 7]);
    expect(r[4]).toEqual(Buffer.from([1]));
    expect([r[5], r[6], r[7], r[8], r[9], r[10]].map((f) => float8(f!))).toEqual([
      900, 12, 1_000, 2_000, 2_000, 3_000,
    ]);
    expect(int4Array(r[11]!)).toEqual([500, 500]);
    expect([int4(r[12]!), int4(r[13]!), int4(r[14]!)]).toEqual([32, 3, 0]);
    expect(text(r[15]!)).toBe('server');
    expect(int4(r[16]!)).toBe(4);
    expect(int4(r[17]!)).toBe(200);
    expect([r[18], r[19]]).toEqual([null, null]);
  });

  it('writes absent optional fields as NULL (length -1) and false as 0', () => {
    const [r] = decode(
      toCopyBinary('lp', 0, 0, [
        sample({ firstChunkUs: undefined, firstContentUs: undefined, httpStatus: 0, errorClass: 'connect' }),
      ]),
    );
    expect(r![4]).toEqual(Buffer.from([0]));
    expect([r![5], r![6], r![8], r![9], r![16], r![19]]).toEqual([null, null, null, null, null, null]);
    expect(text(r![18]!)).toBe('connect');
  });

  it('keeps negative and large integer times exact in float8', () => {
    const big = Number.MAX_SAFE_INTEGER;
    const [r] = decode(
      toCopyBinary('lp', 0, 0, [
        sample({
          scheduledUs: -big,
          sentUs: -1,
          firstChunkUs: big,
          firstContentUs: big - 1,
          endUs: 2 ** 52 + 1,
        }),
      ]),
    );
    expect([r![5], r![7], r![8], r![9], r![10]].map((f) => float8(f!))).toEqual([
      -big,
      -1,
      big,
      big - 1,
      2 ** 52 + 1,
    ]);
  });

  it('writes an empty gap list as a zero-dimension array and 2,000 gaps (int4 extremes included) exactly', () => {
    const many = Array.from({ length: 2_000 }, (_, i) => (i * 7_919) % 100_000);
    many[0] = 0;
    many[1_999] = 2 ** 31 - 1;
    const rows = decode(
      toCopyBinary('lp', 0, 0, [sample({ chunkGapsUs: [] }), sample({ idx: 1, chunkGapsUs: many })]),
    );
    expect(int4Array(rows[0]![11]!)).toEqual([]);
    expect(int4Array(rows[1]![11]!)).toEqual(many);
  });

  it('writes unicode as UTF-8 with its byte length and drops NUL', () => {
    const msg = 'upstream said: "a\\b"\ttab\nnewline ünïcode ✓ 🚀 中文\0!';
    const [r] = decode(toCopyBinary('pünkt', 0, 0, [sample({ errorClass: 'http', errorMessage: msg })]));
    expect(text(r![0]!)).toBe('pünkt');
    expect(text(r![19]!)).toBe(msg.replace('\0', ''));
    expect(r![19]!.length).toBe(Buffer.byteLength(msg.replace('\0', '')));
    expect(copyBinaryText('a\0b\0')).toBe('ab');
  });

  it('refuses values that do not fit an int4 column instead of wrapping them', () => {
    expect(() => toCopyBinary('lp', 0, 0, [sample({ chunkGapsUs: [1, 2 ** 31] })])).toThrow(
      /chunkGapsUs\[1\]/,
    );
    expect(() => toCopyBinary('lp', 0, 0, [sample({ idx: 2 ** 31 })])).toThrow(/idx/);
    expect(() => toCopyBinary('lp', 0, 0, [sample({ inputTokens: 1.5 })])).toThrow(/inputTokens/);
  });

  it('an empty batch is header + trailer', () => {
    expect(decode(toCopyBinary('lp', 0, 0, []))).toEqual([]);
  });
});
