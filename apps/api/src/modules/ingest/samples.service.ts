import { Inject, Injectable } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error.js';
import { RunLifecycleService } from '../runs/run-lifecycle.service.js';
import { SamplesRepository, type StoredSample } from './samples.repository.js';

/** Columns of the CSV export, in order. */
export const CSV_COLUMNS = [
  'shardIndex',
  'idx',
  'warmup',
  'scheduledUs',
  'clientQueueUs',
  'sentUs',
  'firstChunkUs',
  'firstContentUs',
  'endUs',
  'chunkGapsUs',
  'inputTokens',
  'outputTokens',
  'reasoningTokens',
  'tokenSource',
  'clientOutputTokens',
  'httpStatus',
  'errorClass',
  'errorMessage',
  'attempt',
] as const satisfies readonly (keyof StoredSample)[];

/** RFC 4180 field: quoted when it holds a comma, quote or line break. */
function csvField(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = Array.isArray(v) ? v.join(';') : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsvRow(s: StoredSample): string {
  return CSV_COLUMNS.map((c) => csvField(s[c])).join(',');
}

/** Streams of a load point's raw samples for download. */
@Injectable()
export class SamplesService {
  constructor(
    @Inject(SamplesRepository) private readonly repo: SamplesRepository,
    @Inject(RunLifecycleService) private readonly lifecycle: RunLifecycleService,
  ) {}

  async assertPointExists(id: string): Promise<void> {
    if ((await this.lifecycle.findPointRun(id)) === null) throw AppError.notFound('load point', id);
  }

  async *jsonlLines(id: string): AsyncGenerator<string> {
    for await (const page of this.repo.iterate(id)) yield page.map((s) => `${JSON.stringify(s)}\n`).join('');
  }

  async *csvLines(id: string): AsyncGenerator<string> {
    yield `${CSV_COLUMNS.join(',')}\n`;
    for await (const page of this.repo.iterate(id)) yield page.map((s) => `${toCsvRow(s)}\n`).join('');
  }
}
