/**
 * GPU telemetry: `nvidia-smi --query-gpu` CSV and DCGM-exporter text parsing, a per-second sampler
 * that runs `nvidia-smi` (or scrapes a DCGM exporter), and energy per load point.
 */
import { execFile } from 'node:child_process';
import type { GpuSamplePoint, GpuSeries, GpuTelemetry } from '@inferbench/contracts';
import { parsePrometheusText } from './prom-parser.js';
import type { TelemetryClock } from './scraper.js';

/** The `--query-gpu` fields, in the order {@link parseNvidiaSmiCsv} expects by default. */
export const NVIDIA_SMI_QUERY_FIELDS = [
  'index',
  'uuid',
  'name',
  'utilization.gpu',
  'memory.used',
  'memory.total',
  'power.draw',
  'clocks.sm',
  'temperature.gpu',
] as const;

/** The default command: one CSV line per GPU, no header, no units. */
export const NVIDIA_SMI_COMMAND = {
  file: 'nvidia-smi',
  args: [`--query-gpu=${NVIDIA_SMI_QUERY_FIELDS.join(',')}`, '--format=csv,noheader,nounits'],
} as const;

/** One GPU at one instant. Fields the driver does not report are absent. */
export interface GpuReading {
  index: number;
  uuid?: string;
  name: string;
  utilPct?: number;
  memUsedMb?: number;
  memTotalMb?: number;
  powerW?: number;
  smClockMhz?: number;
  temperatureC?: number;
  /** DCGM's cumulative energy counter, millijoules since driver load */
  energyMj?: number;
}

/** `[N/A]`, `[Not Supported]`, `[Unknown Error]`, `N/A` or empty → undefined; units stripped. */
function readNumber(field: string | undefined): number | undefined {
  if (field === undefined) return undefined;
  const t = field.trim();
  if (t === '' || t.startsWith('[') || /^n\/?a$/i.test(t)) return undefined;
  // tolerate output taken without `nounits` ("35 %", "1234 MiB", "120.45 W", "1980 MHz")
  const m = /^([+-]?\d+(?:\.\d+)?)(?:\s*[a-zA-Z%]+)?$/.exec(t);
  return m ? Number(m[1]) : undefined;
}

/**
 * Parses `nvidia-smi --query-gpu=<fields> --format=csv,noheader,nounits` output: one line per GPU,
 * fields separated by ", ". `fields` names the queried columns in order (default
 * {@link NVIDIA_SMI_QUERY_FIELDS}); a header line (output taken without `noheader`) is skipped.
 * Lines that do not have the expected number of fields or an integer index are skipped.
 */
export function parseNvidiaSmiCsv(
  text: string,
  fields: readonly string[] = NVIDIA_SMI_QUERY_FIELDS,
): GpuReading[] {
  const out: GpuReading[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    let cells = line.split(',').map((c) => c.trim());
    // a GPU name with a comma in it: re-join the surplus cells into the name column
    const nameAt = fields.indexOf('name');
    if (cells.length > fields.length && nameAt >= 0) {
      const surplus = cells.length - fields.length;
      cells = [
        ...cells.slice(0, nameAt),
        cells.slice(nameAt, nameAt + surplus + 1).join(', '),
        ...cells.slice(nameAt + surplus + 1),
      ];
    }
    if (cells.length !== fields.length) continue;
    const get = (f: string): string | undefined => {
      const i = fields.indexOf(f);
      return i >= 0 ? cells[i] : undefined;
    };
    const indexText = get('index');
    if (indexText === undefined || !/^\d+$/.test(indexText)) continue; // header or garbage
    const reading: GpuReading = { index: Number(indexText), name: get('name') ?? `GPU ${indexText}` };
    const uuid = get('uuid');
    if (uuid && !uuid.startsWith('[')) reading.uuid = uuid;
    const set = (key: Exclude<keyof GpuReading, 'index' | 'name' | 'uuid'>, field: string): void => {
      const v = readNumber(get(field));
      if (v !== undefined) reading[key] = v;
    };
    set('utilPct', 'utilization.gpu');
    set('memUsedMb', 'memory.used');
    set('memTotalMb', 'memory.total');
    set('powerW', 'power.draw');
    set('smClockMhz', 'clocks.sm');
    set('temperatureC', 'temperature.gpu');
    out.push(reading);
  }
  return out;
}

/**
 * Reads GPUs from a DCGM exporter's /metrics body (labels `gpu`, `UUID`, `modelName`):
 * DCGM_FI_DEV_GPU_UTIL (%), DCGM_FI_DEV_FB_USED / _FREE (MiB), DCGM_FI_DEV_POWER_USAGE (W),
 * DCGM_FI_DEV_SM_CLOCK (MHz), DCGM_FI_DEV_GPU_TEMP (°C), DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION (mJ).
 */
export function parseDcgmMetrics(text: string): GpuReading[] {
  const byGpu = new Map<number, GpuReading>();
  const fields: Record<string, Exclude<keyof GpuReading, 'index' | 'name' | 'uuid'>> = {
    DCGM_FI_DEV_GPU_UTIL: 'utilPct',
    DCGM_FI_DEV_FB_USED: 'memUsedMb',
    DCGM_FI_DEV_POWER_USAGE: 'powerW',
    DCGM_FI_DEV_SM_CLOCK: 'smClockMhz',
    DCGM_FI_DEV_GPU_TEMP: 'temperatureC',
    DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION: 'energyMj',
  };
  const fbFree = new Map<number, number>();
  for (const fam of parsePrometheusText(text).families.values()) {
    for (const s of fam.samples) {
      const gpuText = s.labels.gpu;
      if (gpuText === undefined || !/^\d+$/.test(gpuText) || !Number.isFinite(s.value)) continue;
      const index = Number(gpuText);
      let r = byGpu.get(index);
      if (!r) {
        r = { index, name: s.labels.modelName ?? `GPU ${index}` };
        if (s.labels.UUID) r.uuid = s.labels.UUID;
        byGpu.set(index, r);
      }
      const key = fields[s.name];
      if (key) r[key] = s.value;
      else if (s.name === 'DCGM_FI_DEV_FB_FREE') fbFree.set(index, s.value);
    }
  }
  for (const [index, free] of fbFree) {
    const r = byGpu.get(index);
    if (r?.memUsedMb !== undefined) r.memTotalMb = r.memUsedMb + free;
  }
  return [...byGpu.values()].sort((a, b) => a.index - b.index);
}

/** Energy in joules from (tSec, powerW) points by the trapezoid rule; points without power are skipped. */
export function integratePowerJ(points: readonly { tSec: number; powerW?: number }[]): number {
  let energyJ = 0;
  let prev: { tSec: number; powerW: number } | undefined;
  for (const p of points) {
    if (p.powerW === undefined) continue;
    if (prev && p.tSec > prev.tSec) energyJ += ((prev.powerW + p.powerW) / 2) * (p.tSec - prev.tSec);
    prev = { tSec: p.tSec, powerW: p.powerW };
  }
  return energyJ;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

function mean(values: (number | undefined)[]): number | undefined {
  const v = values.filter((x): x is number => x !== undefined);
  return v.length === 0 ? undefined : round3(v.reduce((a, b) => a + b, 0) / v.length);
}

/**
 * Collects GPU readings of one load point and computes the per-GPU series and energy. Energy per
 * GPU is the DCGM energy counter's increase when every GPU reported it at least twice (exact,
 * covers the whole window), else the trapezoid integral of power.draw over the samples (covers
 * first to last sample; an unsampled GPU adds 0).
 */
export class GpuTelemetryAccumulator {
  private readonly gpus = new Map<
    number,
    { meta: GpuReading; series: GpuSamplePoint[]; energyMj: { tSec: number; mj: number }[] }
  >();
  private samples = 0;
  private sampleErrors = 0;
  private lastError: string | undefined;
  private unavailableReason: string | undefined;

  constructor(private readonly source: 'nvidia-smi' | 'dcgm' = 'nvidia-smi') {}

  /** Records readings of every GPU taken `tSec` seconds after the start. */
  addReadings(tSec: number, readings: readonly GpuReading[]): void {
    if (readings.length === 0) {
      this.addError('no GPU in the output');
      return;
    }
    this.samples++;
    for (const r of readings) {
      let g = this.gpus.get(r.index);
      if (!g) {
        g = { meta: r, series: [], energyMj: [] };
        this.gpus.set(r.index, g);
      }
      const point: GpuSamplePoint = { tSec: round3(tSec) };
      if (r.utilPct !== undefined) point.utilPct = r.utilPct;
      if (r.memUsedMb !== undefined) point.memUsedMb = r.memUsedMb;
      if (r.powerW !== undefined) point.powerW = r.powerW;
      if (r.smClockMhz !== undefined) point.smClockMhz = r.smClockMhz;
      if (r.temperatureC !== undefined) point.temperatureC = r.temperatureC;
      g.series.push(point);
      if (r.energyMj !== undefined) g.energyMj.push({ tSec, mj: r.energyMj });
    }
  }

  /** Records a failed sample. */
  addError(message: string): void {
    this.sampleErrors++;
    this.lastError = message;
  }

  /** Marks the source as absent (e.g. nvidia-smi not installed); the result is unavailable. */
  markUnavailable(reason: string): void {
    this.unavailableReason = reason;
  }

  /** The load point's GPU telemetry; `outputTokens` gives energy per output token. */
  result(outputTokens?: number): GpuTelemetry {
    if (this.samples === 0) {
      return {
        available: false,
        reason:
          this.unavailableReason ??
          (this.lastError ? `no successful sample: ${this.lastError}` : 'no sample was taken'),
        source: this.source,
        samples: 0,
        sampleErrors: this.sampleErrors,
        gpus: [],
        energyJ: 0,
        energyMethod: 'none',
      };
    }
    const all = [...this.gpus.values()].sort((a, b) => a.meta.index - b.meta.index);
    const useCounter = all.every((g) => g.energyMj.length >= 2);
    let energyJ = 0;
    let anyPower = false;
    const gpus: GpuSeries[] = all.map(({ meta, series, energyMj }) => {
      const g: GpuSeries = { index: meta.index, name: meta.name, series };
      if (meta.uuid) g.uuid = meta.uuid;
      if (meta.memTotalMb !== undefined) g.memTotalMb = meta.memTotalMb;
      const util = mean(series.map((p) => p.utilPct));
      if (util !== undefined) g.utilPctMean = util;
      const mems = series.map((p) => p.memUsedMb).filter((x): x is number => x !== undefined);
      if (mems.length > 0) g.memUsedMbMax = Math.max(...mems);
      const power = mean(series.map((p) => p.powerW));
      if (power !== undefined) g.powerWMean = power;
      let e: number | undefined;
      if (useCounter) {
        // the counter only goes down when the driver reloads; then count from the reload on
        e = 0;
        for (let i = 1; i < energyMj.length; i++) {
          const d = energyMj[i]!.mj - energyMj[i - 1]!.mj;
          e += (d >= 0 ? d : energyMj[i]!.mj) / 1000;
        }
      } else if (series.filter((p) => p.powerW !== undefined).length >= 2) e = integratePowerJ(series);
      if (e !== undefined) {
        g.energyJ = round3(e);
        energyJ += e;
        anyPower = true;
      }
      return g;
    });
    const out: GpuTelemetry = {
      available: true,
      source: this.source,
      samples: this.samples,
      sampleErrors: this.sampleErrors,
      gpus,
      energyJ: round3(energyJ),
      energyMethod: !anyPower ? 'none' : useCounter ? 'dcgm-counter' : 'trapezoid',
    };
    if (anyPower && outputTokens !== undefined && outputTokens > 0)
      out.energyPerOutputTokenJ = energyJ / outputTokens;
    return out;
  }
}

/** Runs a command and returns its stdout; rejects like `execFile` (error `code` 'ENOENT' when absent). */
export type ExecFn = (
  file: string,
  args: readonly string[],
  opts: { timeoutMs: number },
) => Promise<{ stdout: string }>;

/** `child_process.execFile` as an {@link ExecFn}. */
export const execFileText: ExecFn = (file, args, { timeoutMs }) =>
  new Promise((resolve, reject) => {
    execFile(file, [...args], { timeout: timeoutMs, encoding: 'utf8', windowsHide: true }, (err, stdout) => {
      if (err) reject(err);
      else resolve({ stdout });
    });
  });

/** Options of {@link createGpuSampler}. */
export interface GpuSamplerOptions {
  /** runs nvidia-smi; inject a fake in tests */
  exec?: ExecFn;
  intervalMs?: number;
  /** the command; default {@link NVIDIA_SMI_COMMAND} */
  command?: { file: string; args: readonly string[] };
  /** the columns the command queries, in order; default {@link NVIDIA_SMI_QUERY_FIELDS} */
  fields?: readonly string[];
  /** read a DCGM exporter at this URL instead of running nvidia-smi */
  dcgmUrl?: string;
  fetch?: typeof globalThis.fetch;
  /** keep only these GPU indices (the GPUs of the server under test); default all */
  gpuIndices?: readonly number[];
  /** per-sample timeout, default min(intervalMs, 5000) ms, at least 200 ms */
  timeoutMs?: number;
  clock?: TelemetryClock;
}

/** A GPU sampler for one load point. */
export interface GpuSampler {
  /** Takes a first sample now and then every `intervalMs`. Idempotent. */
  start(): void;
  /**
   * Stops, takes a final sample and returns the telemetry. Never rejects. Calling it again returns
   * the same data (with that call's `outputTokens`).
   */
  stop(opts?: { outputTokens?: number }): Promise<GpuTelemetry>;
}

/** True for "the program is not there" errors from execFile/spawn. */
function isMissingProgram(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'EACCES' || code === 127;
}

/**
 * Samples GPUs every `intervalMs` (default 1000) by running `nvidia-smi` (or reading `dcgmUrl`).
 * A missing `nvidia-smi` makes the result `{ available: false, reason }`, never an error; the
 * sampler then stops trying.
 */
export function createGpuSampler(opts: GpuSamplerOptions = {}): GpuSampler {
  const intervalMs = opts.intervalMs ?? 1000;
  const timeoutMs = opts.timeoutMs ?? Math.max(200, Math.min(intervalMs, 5000));
  const exec = opts.exec ?? execFileText;
  const command = opts.command ?? NVIDIA_SMI_COMMAND;
  const fetchFn = opts.fetch ?? globalThis.fetch;
  const clock = opts.clock ?? { now: () => performance.now() };
  const acc = new GpuTelemetryAccumulator(opts.dcgmUrl ? 'dcgm' : 'nvidia-smi');

  let startMs = 0;
  let started = false;
  let stopped = false;
  let gaveUp = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  let finished: Promise<void> | undefined;

  const read = async (): Promise<GpuReading[]> => {
    if (opts.dcgmUrl) {
      const res = await fetchFn(opts.dcgmUrl, { signal: AbortSignal.timeout(timeoutMs) });
      if (!res.ok) {
        await res.body?.cancel().catch(() => undefined);
        throw new Error(`DCGM exporter HTTP ${res.status}`);
      }
      return parseDcgmMetrics(await res.text());
    }
    const { stdout } = await exec(command.file, command.args, { timeoutMs });
    return parseNvidiaSmiCsv(stdout, opts.fields);
  };

  const sampleOnce = async (): Promise<void> => {
    if (gaveUp) return;
    const tSec = Math.max(0, (clock.now() - startMs) / 1000);
    try {
      const readings = await read();
      acc.addReadings(
        tSec,
        opts.gpuIndices ? readings.filter((r) => opts.gpuIndices!.includes(r.index)) : readings,
      );
    } catch (err) {
      if (!opts.dcgmUrl && isMissingProgram(err)) {
        gaveUp = true;
        acc.markUnavailable(`${command.file} not found`);
        return;
      }
      const message = err instanceof Error ? err.message.split('\n')[0]! : String(err);
      acc.addError(message);
    }
  };

  const loop = (): void => {
    const t0 = performance.now();
    inFlight = sampleOnce().finally(() => {
      inFlight = undefined;
      if (stopped || gaveUp) return;
      timer = setTimeout(loop, Math.max(0, intervalMs - (performance.now() - t0)));
      timer.unref();
    });
  };

  return {
    start() {
      if (started) return;
      started = true;
      startMs = clock.now();
      loop();
    },
    async stop(stopOpts) {
      finished ??= (async () => {
        stopped = true;
        if (timer) clearTimeout(timer);
        if (started) {
          await inFlight;
          await sampleOnce();
        }
      })();
      await finished;
      return acc.result(stopOpts?.outputTokens);
    },
  };
}
