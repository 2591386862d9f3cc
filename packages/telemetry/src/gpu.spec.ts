/**
 * GPU tests. There is no GPU on the machines these tests run on, so every nvidia-smi and DCGM
 * output below is HAND-WRITTEN in the documented formats (`nvidia-smi --query-gpu=...
 * --format=csv,noheader,nounits`: one line per GPU, ", "-separated, `[N/A]` / `[Not Supported]`
 * for unavailable fields; DCGM exporter: Prometheus text with `gpu`, `UUID`, `modelName` labels).
 * They were NOT captured from a real GPU. The sampler is tested with an injected exec (the one
 * place where a fake is right) and, for the real child_process path, with `sh -c printf`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GpuTelemetrySchema } from '@inferbench/contracts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  GpuTelemetryAccumulator,
  NVIDIA_SMI_COMMAND,
  createGpuSampler,
  integratePowerJ,
  parseDcgmMetrics,
  parseNvidiaSmiCsv,
  type ExecFn,
} from './gpu.js';

/** Hand-written: a 4×H100 SXM node under load. */
const H100_X4 = `0, GPU-5e1f2a3b-8c9d-4e0f-a1b2-c3d4e5f60718, NVIDIA H100 80GB HBM3, 97, 71234, 81559, 612.45, 1980, 67
1, GPU-0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d, NVIDIA H100 80GB HBM3, 95, 71010, 81559, 598.10, 1980, 65
2, GPU-11223344-5566-4778-899a-abbccddeeff0, NVIDIA H100 80GB HBM3, 0, 4, 81559, 71.32, 345, 33
3, GPU-ffeeddcc-bbaa-4998-8776-655443322110, NVIDIA H100 80GB HBM3, 100, 80123, 81559, 699.99, 1755, 74
`;

/** Hand-written: a laptop GPU that reports no power draw, and a MIG-enabled A100 without utilization. */
const MIXED_NA = `0, GPU-aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee, NVIDIA GeForce RTX 3060 Laptop GPU, 12, 512, 6144, [N/A], 210, 48
1, GPU-12345678-9abc-4def-8123-456789abcdef, NVIDIA A100-SXM4-40GB, [N/A], 20480, 40960, 254.31, 1410, [Not Supported]
`;

describe('parseNvidiaSmiCsv', () => {
  it('reads every GPU of a multi-GPU node', () => {
    const gpus = parseNvidiaSmiCsv(H100_X4);
    expect(gpus).toHaveLength(4);
    expect(gpus[0]).toEqual({
      index: 0,
      uuid: 'GPU-5e1f2a3b-8c9d-4e0f-a1b2-c3d4e5f60718',
      name: 'NVIDIA H100 80GB HBM3',
      utilPct: 97,
      memUsedMb: 71234,
      memTotalMb: 81559,
      powerW: 612.45,
      smClockMhz: 1980,
      temperatureC: 67,
    });
    expect(gpus.map((g) => g.powerW)).toEqual([612.45, 598.1, 71.32, 699.99]);
  });

  it('leaves [N/A] and [Not Supported] fields out instead of inventing zeros', () => {
    const [laptop, mig] = parseNvidiaSmiCsv(MIXED_NA);
    expect(laptop).not.toHaveProperty('powerW');
    expect(laptop!.utilPct).toBe(12);
    expect(mig).not.toHaveProperty('utilPct');
    expect(mig).not.toHaveProperty('temperatureC');
    expect(mig!.powerW).toBe(254.31);
  });

  it('skips a header line and tolerates units (output taken without noheader,nounits)', () => {
    const withHeader = `index, uuid, name, utilization.gpu [%], memory.used [MiB], memory.total [MiB], power.draw [W], clocks.sm [MHz], temperature.gpu
0, GPU-5e1f2a3b-8c9d-4e0f-a1b2-c3d4e5f60718, NVIDIA L4, 45 %, 10240 MiB, 23034 MiB, 55.20 W, 2040 MHz, 61
`;
    expect(parseNvidiaSmiCsv(withHeader)).toEqual([
      {
        index: 0,
        uuid: 'GPU-5e1f2a3b-8c9d-4e0f-a1b2-c3d4e5f60718',
        name: 'NVIDIA L4',
        utilPct: 45,
        memUsedMb: 10240,
        memTotalMb: 23034,
        powerW: 55.2,
        smClockMhz: 2040,
        temperatureC: 61,
      },
    ]);
  });

  it('keeps a GPU name that contains a comma', () => {
    const [g] = parseNvidiaSmiCsv('0, GPU-x, Tesla V100-SXM2-16GB, rev A, 5, 100, 16160, 40.1, 1312, 30\n');
    expect(g).toMatchObject({ name: 'Tesla V100-SXM2-16GB, rev A', utilPct: 5, temperatureC: 30 });
  });

  it('skips garbage lines and honours a custom field list', () => {
    expect(parseNvidiaSmiCsv('No devices were found\n')).toEqual([]);
    expect(parseNvidiaSmiCsv('1, 250.5\n', ['index', 'power.draw'])).toEqual([
      { index: 1, name: 'GPU 1', powerW: 250.5 },
    ]);
  });
});

/** Hand-written DCGM exporter output for two GPUs; `energyMj` lets tests advance the counter. */
function dcgmBody(energyMj: [number, number], powerW: [number, number] = [400.5, 350.25]): string {
  const gpu = (i: number, uuid: string) =>
    `gpu="${i}",UUID="${uuid}",pci_bus_id="00000000:${18 + i}:00.0",device="nvidia${i}",modelName="NVIDIA H100 80GB HBM3",Hostname="node-1",DCGM_FI_DRIVER_VERSION="550.54.15"`;
  const g = [
    gpu(0, 'GPU-5e1f2a3b-8c9d-4e0f-a1b2-c3d4e5f60718'),
    gpu(1, 'GPU-0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d'),
  ];
  return `# HELP DCGM_FI_DEV_SM_CLOCK SM clock frequency (in MHz).
# TYPE DCGM_FI_DEV_SM_CLOCK gauge
DCGM_FI_DEV_SM_CLOCK{${g[0]}} 1980
DCGM_FI_DEV_SM_CLOCK{${g[1]}} 1965
# HELP DCGM_FI_DEV_GPU_TEMP GPU temperature (in C).
# TYPE DCGM_FI_DEV_GPU_TEMP gauge
DCGM_FI_DEV_GPU_TEMP{${g[0]}} 66
DCGM_FI_DEV_GPU_TEMP{${g[1]}} 63
# HELP DCGM_FI_DEV_POWER_USAGE Power draw (in W).
# TYPE DCGM_FI_DEV_POWER_USAGE gauge
DCGM_FI_DEV_POWER_USAGE{${g[0]}} ${powerW[0]}
DCGM_FI_DEV_POWER_USAGE{${g[1]}} ${powerW[1]}
# HELP DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION Total energy consumption since boot (in mJ).
# TYPE DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION counter
DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{${g[0]}} ${energyMj[0]}
DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{${g[1]}} ${energyMj[1]}
# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).
# TYPE DCGM_FI_DEV_GPU_UTIL gauge
DCGM_FI_DEV_GPU_UTIL{${g[0]}} 98
DCGM_FI_DEV_GPU_UTIL{${g[1]}} 91
# HELP DCGM_FI_DEV_FB_FREE Framebuffer memory free (in MiB).
# TYPE DCGM_FI_DEV_FB_FREE gauge
DCGM_FI_DEV_FB_FREE{${g[0]}} 10325
DCGM_FI_DEV_FB_FREE{${g[1]}} 10549
# HELP DCGM_FI_DEV_FB_USED Framebuffer memory used (in MiB).
# TYPE DCGM_FI_DEV_FB_USED gauge
DCGM_FI_DEV_FB_USED{${g[0]}} 71234
DCGM_FI_DEV_FB_USED{${g[1]}} 71010
`;
}

describe('parseDcgmMetrics', () => {
  it('reads the DCGM fields per GPU', () => {
    const gpus = parseDcgmMetrics(dcgmBody([123456789, 98765432]));
    expect(gpus).toHaveLength(2);
    expect(gpus[0]).toEqual({
      index: 0,
      uuid: 'GPU-5e1f2a3b-8c9d-4e0f-a1b2-c3d4e5f60718',
      name: 'NVIDIA H100 80GB HBM3',
      utilPct: 98,
      memUsedMb: 71234,
      memTotalMb: 71234 + 10325,
      powerW: 400.5,
      smClockMhz: 1980,
      temperatureC: 66,
      energyMj: 123456789,
    });
    expect(gpus[1]!.energyMj).toBe(98765432);
  });
});

describe('energy', () => {
  it.each([
    { name: 'constant power', points: [0, 1, 2].map((t) => ({ tSec: t, powerW: 300 })), joules: 600 },
    {
      name: 'ramp (trapezoid is exact for linear power)',
      points: [
        { tSec: 0, powerW: 100 },
        { tSec: 2, powerW: 300 },
      ],
      joules: 400,
    },
    {
      name: 'a sample without power is bridged',
      points: [{ tSec: 0, powerW: 100 }, { tSec: 1 }, { tSec: 2, powerW: 100 }],
      joules: 200,
    },
    { name: 'one sample: no interval', points: [{ tSec: 0, powerW: 500 }], joules: 0 },
  ])('$name → $joules J', ({ points, joules }) => {
    expect(integratePowerJ(points)).toBeCloseTo(joules, 9);
  });

  it('sums GPUs and divides by output tokens', () => {
    const acc = new GpuTelemetryAccumulator();
    acc.addReadings(0, [
      { index: 0, name: 'a', powerW: 200 },
      { index: 1, name: 'b', powerW: 100 },
    ]);
    acc.addReadings(2, [
      { index: 0, name: 'a', powerW: 400 },
      { index: 1, name: 'b', powerW: 100 },
    ]);
    const r = acc.result(1000);
    // GPU0: (200+400)/2*2 = 600 J, GPU1: 200 J
    expect(r.energyJ).toBe(800);
    expect(r.energyPerOutputTokenJ).toBeCloseTo(0.8, 12);
    expect(r.energyMethod).toBe('trapezoid');
    expect(r.gpus.map((g) => g.energyJ)).toEqual([600, 200]);
    expect(GpuTelemetrySchema.parse(r)).toEqual(r);
  });

  it('reports no energy (and no J/token) when no GPU reports power', () => {
    const acc = new GpuTelemetryAccumulator();
    const [laptop] = parseNvidiaSmiCsv(MIXED_NA);
    acc.addReadings(0, [laptop!]);
    acc.addReadings(1, [laptop!]);
    const r = acc.result(500);
    expect(r).toMatchObject({ available: true, energyJ: 0, energyMethod: 'none' });
    expect(r.energyPerOutputTokenJ).toBeUndefined();
  });
});

/** A clock that advances one second per reading. */
function steppingClock(): { now(): number } {
  let t = 0;
  return { now: () => (t += 1000) - 1000 };
}

/** Hand-written two-GPU output whose power is `w` on both GPUs. */
const twoGpus = (w: number) =>
  `0, GPU-5e1f2a3b-8c9d-4e0f-a1b2-c3d4e5f60718, NVIDIA H100 80GB HBM3, 90, 70000, 81559, ${w}, 1980, 60
1, GPU-0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d, NVIDIA H100 80GB HBM3, 90, 70000, 81559, ${w}, 1980, 60
`;

describe('createGpuSampler', () => {
  it('runs the documented nvidia-smi command and integrates power over its samples', async () => {
    const calls: { file: string; args: readonly string[] }[] = [];
    const powers = [100, 300, 500, 700, 900, 1100, 1300, 1500, 1700, 1900];
    const exec: ExecFn = async (file, args) => {
      const w = powers[Math.min(calls.length, powers.length - 1)]!;
      calls.push({ file, args });
      return { stdout: twoGpus(w) };
    };
    const sampler = createGpuSampler({ exec, intervalMs: 10, clock: steppingClock() });
    sampler.start();
    await vi.waitFor(() => expect(calls.length).toBeGreaterThanOrEqual(3), { timeout: 5000, interval: 5 });
    const r = await sampler.stop({ outputTokens: 100 });
    const n = calls.length;
    expect(calls[0]).toEqual({ file: 'nvidia-smi', args: NVIDIA_SMI_COMMAND.args });
    expect(NVIDIA_SMI_COMMAND.args).toEqual([
      '--query-gpu=index,uuid,name,utilization.gpu,memory.used,memory.total,power.draw,clocks.sm,temperature.gpu',
      '--format=csv,noheader,nounits',
    ]);
    expect(r).toMatchObject({
      available: true,
      source: 'nvidia-smi',
      samples: n,
      sampleErrors: 0,
      energyMethod: 'trapezoid',
    });
    expect(r.gpus).toHaveLength(2);
    expect(r.gpus[0]!.series.map((p) => p.tSec)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    // samples 1 s apart with power rising 200 W per sample: each interval's mean is the midpoint
    const perGpu = powers
      .slice(0, n)
      .reduce((acc, w, i, arr) => (i === 0 ? 0 : acc + (arr[i - 1]! + w) / 2), 0);
    expect(r.energyJ).toBeCloseTo(2 * perGpu, 6);
    expect(r.energyPerOutputTokenJ).toBeCloseTo((2 * perGpu) / 100, 9);
    expect(GpuTelemetrySchema.parse(r)).toEqual(r);
  });

  it('reports unavailable (not an error) when nvidia-smi is not installed, and stops trying', async () => {
    let calls = 0;
    const exec: ExecFn = async () => {
      calls++;
      throw Object.assign(new Error('spawn nvidia-smi ENOENT'), { code: 'ENOENT' });
    };
    const sampler = createGpuSampler({ exec, intervalMs: 5 });
    sampler.start();
    await new Promise((resolve) => setTimeout(resolve, 40));
    const r = await sampler.stop({ outputTokens: 10 });
    expect(r).toMatchObject({
      available: false,
      reason: 'nvidia-smi not found',
      gpus: [],
      energyJ: 0,
      energyMethod: 'none',
    });
    expect(calls).toBe(1);
  });

  it('uses the real child_process path: a missing binary is unavailable', async () => {
    const sampler = createGpuSampler({ command: { file: 'nvidia-smi-that-does-not-exist', args: [] } });
    sampler.start();
    const r = await sampler.stop();
    expect(r).toMatchObject({ available: false, reason: 'nvidia-smi-that-does-not-exist not found' });
  });

  it('uses the real child_process path: a command printing the CSV is parsed', async () => {
    const sampler = createGpuSampler({
      command: { file: 'sh', args: ['-c', `printf '%s' '${twoGpus(250)}'`] },
      clock: steppingClock(),
      intervalMs: 60_000,
    });
    sampler.start();
    const r = await sampler.stop({ outputTokens: 1000 });
    expect(r).toMatchObject({ available: true, samples: 2, energyJ: 500, energyPerOutputTokenJ: 0.5 });
  });

  it('keeps only the requested GPU indices', async () => {
    const exec: ExecFn = async () => ({ stdout: H100_X4 });
    const sampler = createGpuSampler({
      exec,
      gpuIndices: [1, 3],
      intervalMs: 60_000,
      clock: steppingClock(),
    });
    sampler.start();
    const r = await sampler.stop();
    expect(r.gpus.map((g) => g.index)).toEqual([1, 3]);
    // two samples 1 s apart at constant power
    expect(r.energyJ).toBeCloseTo(598.1 + 699.99, 6);
  });

  it('reports a driver failure as unavailable with the message', async () => {
    const exec: ExecFn = async () => {
      throw Object.assign(
        new Error(
          "Command failed: nvidia-smi\nNVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.",
        ),
        { code: 9 },
      );
    };
    const sampler = createGpuSampler({ exec, intervalMs: 60_000 });
    sampler.start();
    const r = await sampler.stop();
    expect(r).toMatchObject({ available: false, sampleErrors: 2 });
    expect(r.reason).toContain('Command failed: nvidia-smi');
  });
});

describe('createGpuSampler with a DCGM exporter', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  it('uses the energy counter delta (mJ → J) when every GPU exposes it', async () => {
    let hits = 0;
    server = createServer((_req, res) => {
      // GPU0 draws 400 J and GPU1 300 J between consecutive scrapes
      const body = dcgmBody([5_000_000 + hits * 400_000, 7_000_000 + hits * 300_000]);
      hits++;
      res.writeHead(200, { 'content-type': 'text/plain' }).end(body);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const sampler = createGpuSampler({
      dcgmUrl: `http://127.0.0.1:${port}/metrics`,
      intervalMs: 10,
      clock: steppingClock(),
    });
    sampler.start();
    await vi.waitFor(() => expect(hits).toBeGreaterThanOrEqual(3), { timeout: 5000, interval: 5 });
    const r = await sampler.stop({ outputTokens: 700 });
    expect(r).toMatchObject({ available: true, source: 'dcgm', energyMethod: 'dcgm-counter', samples: hits });
    expect(r.gpus.map((g) => g.energyJ)).toEqual([400 * (hits - 1), 300 * (hits - 1)]);
    expect(r.energyJ).toBe(700 * (hits - 1));
    expect(r.energyPerOutputTokenJ).toBeCloseTo(hits - 1, 9);
    expect(r.gpus[0]!.series[0]).toEqual({
      tSec: 1,
      utilPct: 98,
      memUsedMb: 71234,
      powerW: 400.5,
      smClockMhz: 1980,
      temperatureC: 66,
    });
  });
});
