import type { CliStream } from '../io.js';
import { fmtDuration, fmtNum } from '../format/numbers.js';

/** Engine tick as the progress bar needs it (cumulative counts since the load point's start). */
export interface ProgressTick {
  tSec: number;
  done: number;
  errors: number;
  inFlight: number;
  outputTokens: number;
  planned?: number;
}

const BAR_WIDTH = 24;

/**
 * A one-line progress bar: on a terminal it redraws in place (`\r`); in a log it prints a plain line every
 * `plainEverySec`. "tok/s" is the output token rate since the previous tick, not the running average, so
 * a stall shows at once.
 */
export class ProgressBar {
  private prev: ProgressTick | undefined;
  private lastPlainSec = Number.NEGATIVE_INFINITY;
  private drawn = false;

  constructor(
    private readonly out: CliStream,
    /** planned measured requests, or undefined for a duration-bound run */
    private readonly totalRequests: number | undefined,
    private readonly durationSec: number | undefined,
    private readonly plainEverySec = 5,
    /** shown before the bar, e.g. `point 2/3 c=4 ` (which load point of a plan is running) */
    private readonly prefix = '',
  ) {}

  update(t: ProgressTick): void {
    const dtSec = this.prev ? t.tSec - this.prev.tSec : t.tSec;
    const tokPerSec = dtSec > 0 ? (t.outputTokens - (this.prev?.outputTokens ?? 0)) / dtSec : 0;
    this.prev = t;
    const line = this.format(t, tokPerSec);
    if (this.out.isTTY) {
      this.out.write(`\r\u001b[2K${line}`);
      this.drawn = true;
    } else if (t.tSec - this.lastPlainSec >= this.plainEverySec) {
      this.out.write(`${line}\n`);
      this.lastPlainSec = t.tSec;
    }
  }

  /** End the bar's line so later output starts on a fresh one. */
  finish(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }

  format(t: ProgressTick, tokPerSec: number): string {
    const total = t.planned ?? this.totalRequests;
    let frac: number | undefined;
    if (total !== undefined && total > 0) frac = Math.min(1, t.done / total);
    else if (this.durationSec !== undefined) frac = Math.min(1, t.tSec / this.durationSec);
    const bar =
      frac === undefined ? '' : `[${'#'.repeat(Math.round(frac * BAR_WIDTH)).padEnd(BAR_WIDTH, '.')}] `;
    const count = total !== undefined ? `${t.done}/${total}` : `${t.done}`;
    return `${this.prefix}${bar}${count} req  ${fmtNum(tokPerSec, 0)} tok/s  ${t.errors} errors  ${t.inFlight} in flight  ${fmtDuration(t.tSec)}`;
  }
}
