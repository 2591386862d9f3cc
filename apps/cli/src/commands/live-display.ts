import type { CliStream } from '../io.js';

/**
 * A block of status lines, one per key. On a terminal the block is redrawn in place (cursor up + clear
 * line); elsewhere (CI logs, pipes) a key's line is printed only when its text changes and at most once
 * per `minIntervalMs`, except for final lines which always print.
 */
export class LiveDisplay {
  private readonly lines = new Map<string, string>();
  private readonly lastPrinted = new Map<string, { text: string; atMs: number }>();
  private drawn = 0;

  constructor(
    private readonly out: CliStream,
    private readonly minIntervalMs = 5_000,
    private readonly nowMs: () => number = Date.now,
  ) {}

  private get isTTY(): boolean {
    return this.out.isTTY === true;
  }

  /** Set the line of `key`; `isFinal` forces a plain-mode print (status changes, completion). */
  set(key: string, text: string, isFinal = false): void {
    this.lines.set(key, text);
    if (this.isTTY) return this.redraw();
    const last = this.lastPrinted.get(key);
    if (last?.text === text) return;
    if (!isFinal && last && this.nowMs() - last.atMs < this.minIntervalMs) return;
    this.out.write(`${text}\n`);
    this.lastPrinted.set(key, { text, atMs: this.nowMs() });
  }

  /** Print a message above the live block. */
  log(message: string): void {
    if (!this.isTTY) {
      this.out.write(`${message}\n`);
      return;
    }
    this.clear();
    this.out.write(`${message}\n`);
    this.redraw();
  }

  /** Leave the block on screen as it is and stop managing it. */
  done(): void {
    this.drawn = 0;
  }

  private clear(): void {
    if (this.drawn === 0) return;
    this.out.write(`\u001b[${this.drawn}A`);
    for (let i = 0; i < this.drawn; i++) this.out.write('\u001b[2K\n');
    this.out.write(`\u001b[${this.drawn}A`);
    this.drawn = 0;
  }

  private redraw(): void {
    let s = this.drawn > 0 ? `\u001b[${this.drawn}A` : '';
    const width = this.out.columns ?? 200;
    for (const text of this.lines.values()) s += `\u001b[2K${text.slice(0, Math.max(20, width - 1))}\n`;
    this.out.write(s);
    this.drawn = this.lines.size;
  }
}
