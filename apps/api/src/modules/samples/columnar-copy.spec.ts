/**
 * The columnar-v2 ingest path against the json-v1 one: for arbitrary samples, encoding them (agent), decoding the
 * payload into columns and writing the COPY stream from the columns (API) gives byte for byte the COPY stream the
 * JSON path writes from the samples themselves, i.e. the same stored rows. Malformed payloads are refused with a
 * SampleBatchFormatError (the worker drops the batch), never with another error and never half-decoded.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bytesToBase64,
  columnsToSamples,
  decodeSampleBatchColumns,
  decodeSampleColumns,
  encodeSampleColumns,
  ERROR_CLASSES,
  RequestSampleSchema,
  SampleBatchFormatError,
  toCompactSampleBatch,
  type RequestSample,
} from '@inferbench/contracts';
import { columnsToCopyBinary, toCopyBinary } from './copy-binary.js';

const INT4_MAX = 2 ** 31 - 1;
const time = fc.oneof(
  fc.integer({ min: -1_000_000, max: 10_000_000_000 }),
  fc.maxSafeInteger(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 0, 2 ** 32, -(2 ** 40)),
);
const count = fc.oneof(fc.nat({ max: 5_000 }), fc.constantFrom(0, INT4_MAX));
const gap = fc.oneof(
  fc.integer({ min: 0, max: 60_000 }),
  fc.integer({ min: 0, max: 127 }),
  fc.constantFrom(0, 63, 64, 8191, 8192, 16_383, 16_384, 2 ** 21, INT4_MAX),
);
const gaps = fc.oneof(
  fc.constantFrom(0, 1, 1000).chain((n) => fc.array(gap, { minLength: n, maxLength: n })),
  fc.array(gap, { maxLength: 120 }),
);
// any UTF-16 code unit (lone surrogates and NUL included), any code point, and messages at the 2,000-unit limit
const message = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom('', 'é'.repeat(2_000), '🚀'.repeat(1_000), 'a\0b\0', 'ünïcode ✓ 中文 \t\n'),
);
const opt = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(a, { nil: undefined });

const sampleArb: fc.Arbitrary<RequestSample> = fc
  .record({
    idx: fc.oneof(fc.nat({ max: 1_000_000 }), fc.constant(INT4_MAX)),
    warmup: fc.boolean(),
    scheduledUs: opt(time),
    clientQueueUs: opt(fc.oneof(fc.nat({ max: 10_000_000 }), fc.constant(Number.MAX_SAFE_INTEGER))),
    sentUs: time,
    firstChunkUs: opt(time),
    firstContentUs: opt(time),
    endUs: time,
    chunkGapsUs: gaps,
    inputTokens: count,
    outputTokens: count,
    reasoningTokens: count,
    tokenSource: fc.constantFrom('server', 'client', 'none' as const),
    clientOutputTokens: opt(count),
    httpStatus: fc.constantFrom(0, 200, 429, 500, 502),
    errorClass: opt(fc.constantFrom(...ERROR_CLASSES)),
    errorMessage: opt(message),
  })
  .map((r) => {
    // absent optional fields are absent keys, as JSON would carry them
    const s: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(r)) if (v !== undefined) s[k] = v;
    return s as RequestSample;
  });

/** the samples as the COPY path sees them, idx made unique like a real batch's */
const batchArb = fc
  .array(sampleArb, { maxLength: 40 })
  .map((ss) => ss.map((s, i) => ({ ...s, idx: s.idx === INT4_MAX ? s.idx - i : s.idx + i })));

/** what a JSON round trip and the API's schema make of a sample (a lone surrogate survives JSON; UTF-8 does not) */
const wellFormed = (s: string): string => Buffer.from(s, 'utf8').toString('utf8');

describe('columnar-v2 → binary COPY', () => {
  it('writes byte for byte the COPY stream of the json-v1 path, for arbitrary samples', () => {
    fc.assert(
      fc.property(batchArb, fc.nat({ max: 64 }), fc.nat({ max: 3 }), (samples, shard, attempt) => {
        for (const s of samples) expect(RequestSampleSchema.safeParse(s).success).toBe(true);
        const cols = decodeSampleColumns(encodeSampleColumns(samples));
        expect(cols.count).toBe(samples.length);
        const fromJson = toCopyBinary('lp-ü', shard, attempt, samples);
        const fromColumns = columnsToCopyBinary('lp-ü', shard, attempt, cols);
        expect(fromColumns.equals(fromJson)).toBe(true);
        // and back to samples: the same, up to lone surrogates (replaced, as storing them replaces them too)
        expect(columnsToSamples(cols)).toEqual(
          samples.map((s) =>
            s.errorMessage === undefined ? s : { ...s, errorMessage: wellFormed(s.errorMessage) },
          ),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('refuses what an int4 column cannot hold exactly as the json-v1 path does', () => {
    const [s] = fc.sample(sampleArb, { numRuns: 1, seed: 7 });
    for (const bad of [
      { ...s!, idx: INT4_MAX + 1 },
      { ...s!, inputTokens: 2 ** 40 },
      { ...s!, chunkGapsUs: [1, INT4_MAX + 1] },
      { ...s!, clientOutputTokens: 2 ** 31 },
    ]) {
      const jsonErr = (() => {
        try {
          toCopyBinary('lp', 0, 0, [bad]);
        } catch (e) {
          return e as Error;
        }
      })();
      expect(jsonErr).toBeInstanceOf(RangeError);
      const cols = decodeSampleColumns(encodeSampleColumns([bad]));
      expect(() => columnsToCopyBinary('lp', 0, 0, cols)).toThrow(jsonErr!.message);
    }
  });

  it('is less than 40 % of the JSON of a 500 × 100-gap batch', () => {
    const samples: RequestSample[] = Array.from({ length: 500 }, (_, k) => ({
      idx: k,
      warmup: false,
      scheduledUs: k * 2_000,
      sentUs: k * 2_000 + 40,
      firstChunkUs: k * 2_000 + 90_000,
      firstContentUs: k * 2_000 + 90_000,
      endUs: k * 2_000 + 2_500_000,
      // ~24 ms inter-token latency with a few ms of jitter
      chunkGapsUs: Array.from({ length: 100 }, (_, g) => 24_000 + (((k * 131 + g * 977) % 61) - 30) * 100),
      inputTokens: 256,
      outputTokens: 101,
      reasoningTokens: 0,
      tokenSource: 'server',
      httpStatus: 200,
    }));
    const json = JSON.stringify(samples).length;
    const compact = bytesToBase64(encodeSampleColumns(samples)).length;
    expect(compact * 2.5).toBeLessThan(json);
  });
});

describe('columnar-v2 decoder', () => {
  const samples: RequestSample[] = [
    {
      idx: 3,
      warmup: false,
      sentUs: 10,
      firstChunkUs: 50,
      endUs: 90,
      chunkGapsUs: [10, 20, 10],
      inputTokens: 4,
      outputTokens: 4,
      reasoningTokens: 0,
      tokenSource: 'server',
      httpStatus: 502,
      errorClass: 'http',
      errorMessage: 'bad gateway',
    },
  ];
  const good = encodeSampleColumns(samples);
  const refuses = (bytes: Uint8Array): void => {
    expect(() => decodeSampleColumns(bytes)).toThrow(SampleBatchFormatError);
  };

  it('refuses every truncation and any trailing byte', () => {
    expect(decodeSampleColumns(good).count).toBe(1);
    for (let n = 0; n < good.length; n++) refuses(good.subarray(0, n));
    refuses(Uint8Array.from([...good, 0]));
  });

  it('refuses arbitrary bytes with a format error, never with another error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodeSampleColumns(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(SampleBatchFormatError);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('refuses values the sample schema refuses: unknown enums, invalid UTF-8, over-long messages', () => {
    const patched = (find: string, replace: Uint8Array): Uint8Array => {
      const at = Buffer.from(good).indexOf(find);
      expect(at).toBeGreaterThan(0);
      const out = Uint8Array.from(good);
      out.set(replace, at);
      return out;
    };
    refuses(patched('server', Buffer.from('serveR')));
    refuses(patched('http', Buffer.from('HTTP')));
    refuses(patched('bad', Uint8Array.from([0xff, 0xfe, 0x41])));
    // a message of 2,000 code units is fine, one of 2,001 is not (spliced in: the encoder itself refuses to write it)
    const long = encodeSampleColumns([{ ...samples[0]!, errorMessage: 'x'.repeat(2_000) }]);
    expect(decodeSampleColumns(long).count).toBe(1);
    const at = Buffer.from(long).indexOf(Buffer.from([0xd0, 0x0f, 0x78])); // uvar 2000, then 'x'
    expect(at).toBeGreaterThan(0);
    const tooLong = Buffer.concat([
      long.subarray(0, at),
      Buffer.from([0xd1, 0x0f]), // uvar 2001
      Buffer.from('x'.repeat(2_001)),
      long.subarray(at + 2 + 2_000),
    ]);
    refuses(tooLong);
    expect(() => encodeSampleColumns([{ ...samples[0]!, errorMessage: 'x'.repeat(2_001) }])).toThrow(
      RangeError,
    );
    // 2,000 two-byte characters are 4,000 bytes and still 2,000 code units
    expect(
      decodeSampleColumns(encodeSampleColumns([{ ...samples[0]!, errorMessage: 'é'.repeat(2_000) }])).count,
    ).toBe(1);
  });

  it('checks the announced sample count of an event', () => {
    const event = toCompactSampleBatch({
      v: 1,
      type: 'sample.batch',
      runId: 'r',
      loadPointId: 'lp',
      shardIndex: 0,
      agentId: 'a',
      ts: 1,
      batchSeq: 0,
      samples,
    });
    expect(decodeSampleBatchColumns(event).count).toBe(1);
    expect(() => decodeSampleBatchColumns({ ...event, sampleCount: 2 })).toThrow(SampleBatchFormatError);
  });
});
