import { describe, expect, it } from 'vitest';
import { collectHostFacts, parseNvidiaSmiList } from './host-facts.js';

describe('parseNvidiaSmiList', () => {
  it('keeps GPU and MIG lines and drops noise', () => {
    const out = [
      'GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-aaaa)',
      '  MIG 3g.40gb     Device  0: (UUID: MIG-bbbb)',
      'GPU 1: NVIDIA H100 80GB HBM3 (UUID: GPU-cccc)',
      '',
    ].join('\n');
    expect(parseNvidiaSmiList(out)).toEqual([
      'GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-aaaa)',
      'MIG 3g.40gb     Device  0: (UUID: MIG-bbbb)',
      'GPU 1: NVIDIA H100 80GB HBM3 (UUID: GPU-cccc)',
    ]);
  });

  it('returns nothing for an error message', () => {
    expect(
      parseNvidiaSmiList('NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.'),
    ).toEqual([]);
  });
});

describe('collectHostFacts', () => {
  it('reports cpus, memory and the injected GPU list', async () => {
    const f = await collectHostFacts(async () => ['GPU 0: X']);
    expect(f.cpus).toBeGreaterThan(0);
    expect(f.memoryMb).toBeGreaterThan(0);
    expect(f.gpus).toEqual(['GPU 0: X']);
    expect(f.host.length).toBeGreaterThan(0);
  });
});
