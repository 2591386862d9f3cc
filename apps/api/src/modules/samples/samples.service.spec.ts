import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, toCsvRow } from './samples.service.js';

describe('toCsvRow', () => {
  it('writes one field per column, joins chunk gaps and quotes awkward text', () => {
    const row = toCsvRow({
      shardIndex: 1,
      attempt: 2,
      idx: 7,
      warmup: false,
      sentUs: 100,
      endUs: 900,
      chunkGapsUs: [5, 6],
      inputTokens: 10,
      outputTokens: 3,
      reasoningTokens: 0,
      tokenSource: 'client',
      httpStatus: 500,
      errorClass: 'http',
      errorMessage: 'bad "gateway", retry\nlater',
    });
    const fields = row.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/);
    expect(fields).toHaveLength(CSV_COLUMNS.length);
    expect(fields.slice(0, 4)).toEqual(['1', '7', 'false', '']);
    expect(fields[CSV_COLUMNS.indexOf('chunkGapsUs')]).toBe('5;6');
    expect(fields[CSV_COLUMNS.indexOf('attempt')]).toBe('2');
    expect(fields[CSV_COLUMNS.indexOf('errorMessage')]).toBe('"bad ""gateway"", retry\nlater"');
  });
});
