import {
  type EventLoopUtilization,
  monitorEventLoopDelay,
  performance as perf,
  type IntervalHistogram,
} from 'node:perf_hooks';

/** Thresholds above which the client is said to have fallen behind (plain-language warnings). */
export const SELF_CHECK_LIMITS = {
  scheduleDelayP99Ms: 5,
  loopLagP99Ms: 20,
  cpuPctOfOneCore: 90,
  /** below this real (wall) duration, loop lag and CPU figures are too noisy to judge */
  minWallSec: 1,
} as const;

/** What the self-check measured during one load point. */
export interface SelfCheckReport {
  /** real elapsed time (performance.now), seconds */
  wallSec: number;
  /** open loop only: sentUs − scheduledUs − clientQueueUs over the measured (non-warm-up) requests that finished, ms */
  scheduleDelayP50Ms?: number;
  scheduleDelayP99Ms?: number;
  scheduleDelayMaxMs?: number;
  /** event-loop delay p99, ms (perf_hooks monitorEventLoopDelay) */
  loopLagP99Ms?: number;
  /** process CPU (user + system) over wall time, percent of one core; in a worker thread (`scope: 'thread'`) its
   * event loop's utilization (busy share of wall time), percent */
  cpuPct?: number;
}

/** Measures whether the load generator itself kept up: schedule delay, event-loop lag and CPU. */
export class SelfCheck {
  private readonly delaysUs: number[] = [];
  private histogram: IntervalHistogram | undefined;
  private wallStartMs = 0;
  private cpuStart: NodeJS.CpuUsage | undefined;
  private eluStart: EventLoopUtilization | undefined;

  /** `thread`: judge this thread's event loop (a worker thread), not the process's CPU (shared by every thread) */
  constructor(private readonly scope: 'process' | 'thread' = 'process') {}

  start(): void {
    this.wallStartMs = performance.now();
    if (this.scope === 'thread') this.eluStart = perf.eventLoopUtilization();
    else this.cpuStart = process.cpuUsage();
    this.histogram = monitorEventLoopDelay({ resolution: 10 });
    this.histogram.enable();
  }

  /** one open-loop request's dispatch lateness, µs */
  recordScheduleDelay(delayUs: number): void {
    this.delaysUs.push(delayUs);
  }

  /** stop measuring and return the figures with plain-language warnings */
  stop(): { report: SelfCheckReport; warnings: string[] } {
    const wallSec = (performance.now() - this.wallStartMs) / 1000;
    const report: SelfCheckReport = { wallSec };
    const warnings: string[] = [];
    if (this.delaysUs.length > 0) {
      const sorted = Float64Array.from(this.delaysUs).sort();
      const at = (q: number): number =>
        sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]! / 1000;
      report.scheduleDelayP50Ms = at(0.5);
      report.scheduleDelayP99Ms = at(0.99);
      report.scheduleDelayMaxMs = sorted[sorted.length - 1]! / 1000;
      if (report.scheduleDelayP99Ms > SELF_CHECK_LIMITS.scheduleDelayP99Ms) {
        warnings.push(
          `The load generator fell behind its schedule: p99 schedule delay was ${report.scheduleDelayP99Ms.toFixed(1)} ms ` +
            `(limit ${SELF_CHECK_LIMITS.scheduleDelayP99Ms} ms), so the offered load was lower and burstier than planned. ` +
            'Use more agents (shards), a lower rate, or a less busy machine.',
        );
      }
    }
    if (this.histogram) {
      this.histogram.disable();
      if (wallSec >= SELF_CHECK_LIMITS.minWallSec && this.histogram.count > 0) {
        report.loopLagP99Ms = this.histogram.percentile(99) / 1e6;
        if (report.loopLagP99Ms > SELF_CHECK_LIMITS.loopLagP99Ms) {
          warnings.push(
            `The load generator's event loop was blocked: p99 loop lag ${report.loopLagP99Ms.toFixed(1)} ms ` +
              `(limit ${SELF_CHECK_LIMITS.loopLagP99Ms} ms); measured times may be late by that much.`,
          );
        }
      }
    }
    if (this.eluStart && wallSec >= SELF_CHECK_LIMITS.minWallSec) {
      report.cpuPct = perf.eventLoopUtilization(this.eluStart).utilization * 100;
      if (report.cpuPct > SELF_CHECK_LIMITS.cpuPctOfOneCore) {
        warnings.push(
          `The load generator's worker thread was busy ${report.cpuPct.toFixed(0)} % of the time (limit ${SELF_CHECK_LIMITS.cpuPctOfOneCore} %); ` +
            'it is near its own limit, so latencies may include client-side delay. Use more workers or agents.',
        );
      }
    }
    if (this.cpuStart && wallSec >= SELF_CHECK_LIMITS.minWallSec) {
      const cpu = process.cpuUsage(this.cpuStart);
      report.cpuPct = ((cpu.user + cpu.system) / 1e6 / wallSec) * 100;
      if (report.cpuPct > SELF_CHECK_LIMITS.cpuPctOfOneCore) {
        warnings.push(
          `The load generator used ${report.cpuPct.toFixed(0)} % of a CPU core (limit ${SELF_CHECK_LIMITS.cpuPctOfOneCore} %); ` +
            'it is near its own limit, so latencies may include client-side delay. Use more agents (shards).',
        );
      }
    }
    return { report, warnings };
  }
}
