import { execFile } from 'node:child_process';
import os from 'node:os';

/** Facts about the machine an agent runs on, published in its AgentInfo. */
export interface HostFacts {
  host: string;
  cpus: number;
  memoryMb: number;
  /** one line per GPU as printed by `nvidia-smi -L`, e.g. `GPU 0: NVIDIA H100 80GB HBM3 (UUID: ...)` */
  gpus: string[];
}

/**
 * List GPUs with `nvidia-smi -L`. Absent binary, no driver or a timeout all mean "no GPUs": an agent
 * on a CPU-only machine (or next to the simulator) is normal, not an error.
 */
export function listGpus(timeoutMs = 5_000): Promise<string[]> {
  return new Promise((resolve) => {
    execFile('nvidia-smi', ['-L'], { timeout: timeoutMs }, (err, stdout) => {
      if (err) return resolve([]);
      resolve(parseNvidiaSmiList(String(stdout)));
    });
  });
}

/** Lines of `nvidia-smi -L` that describe a GPU (MIG sub-devices are indented lines and kept too). */
export function parseNvidiaSmiList(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^(GPU|MIG) /.test(l));
}

/** Collect host facts once at boot (GPU listing spawns a process, so it is not repeated per heartbeat). */
export async function collectHostFacts(gpuLister: () => Promise<string[]> = listGpus): Promise<HostFacts> {
  return {
    host: os.hostname(),
    cpus: os.cpus().length,
    memoryMb: Math.round(os.totalmem() / (1024 * 1024)),
    gpus: await gpuLister(),
  };
}
