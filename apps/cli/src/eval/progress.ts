import { fmtDuration, fmtNum } from '../format/numbers.js';
import type { CliStream } from '../io.js';

const BAR_WIDTH = 24;

/** Counts the progress line shows (cumulative over the whole suite). */
export interface EvalProgressState {
  done: number;
  total: number;
  parseFailures: number;
  errors: number;
  /** the task running now */
  task: string;
}

/**
 * The eval progress line, in the style of `bench`'s bar: on a terminal a bar redrawn in place (`\r`) on every
 * finished item and every second; in a log a plain line every `plainEverySec`. items/s is the rate since the
 * previous draw, so a stall shows at once.
 */
export class EvalProgress {
  private readonly startMs = performance.now();
  private prev = { tSec: 0, done: 0 };
  private lastPlainSec = Number.NEGATIVE_INFINITY;
  private lastDrawMs = 0;
  private drawn = false;
  private timer: NodeJS.Timeout | undefined;
  readonly state: EvalProgressState;

  constructor(
    private readonly out: CliStream,
    total: number,
    private readonly plainEverySec = 5,
  ) {
    this.state = { done: 0, total, parseFailures: 0, errors: 0, task: '' };
    this.timer = setInterval(() => this.draw(false), 1000);
    this.timer.unref();
  }

  item(parseFailed: boolean, errored: boolean): void {
    this.state.done++;
    if (parseFailed) this.state.parseFailures++;
    if (errored) this.state.errors++;
    // a terminal redraws at most 10 times a second
    if (this.out.isTTY && performance.now() - this.lastDrawMs >= 100) this.draw(false);
  }

  setTask(task: string): void {
    this.state.task = task;
  }

  private draw(force: boolean, overall = false): void {
    const tSec = (performance.now() - this.startMs) / 1000;
    const dt = overall ? tSec : tSec - this.prev.tSec;
    const rate = dt > 0 ? (this.state.done - (overall ? 0 : this.prev.done)) / dt : 0;
    const line = this.format(tSec, rate);
    if (this.out.isTTY) {
      this.out.write(`\r\u001b[2K${line}`);
      this.drawn = true;
      this.lastDrawMs = performance.now();
      if (dt >= 1) this.prev = { tSec, done: this.state.done };
    } else if (force || tSec - this.lastPlainSec >= this.plainEverySec) {
      this.out.write(`${line}\n`);
      this.lastPlainSec = tSec;
      this.prev = { tSec, done: this.state.done };
    }
  }

  format(tSec: number, itemsPerSec: number): string {
    const s = this.state;
    const frac = s.total > 0 ? Math.min(1, s.done / s.total) : 0;
    const bar = `[${'#'.repeat(Math.round(frac * BAR_WIDTH)).padEnd(BAR_WIDTH, '.')}]`;
    return `${bar} ${s.done}/${s.total} items  ${fmtNum(itemsPerSec, 1)} items/s  ${s.parseFailures} parse failures  ${s.errors} errors  ${s.task}  ${fmtDuration(tSec)}`;
  }

  /** Final state line with the average items/s (a log gets it too), then stop redrawing. */
  finish(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.draw(true, true);
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }
}
