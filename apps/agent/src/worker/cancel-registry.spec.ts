import { describe, expect, it } from 'vitest';
import { CancelRegistry } from './cancel-registry.js';

describe('CancelRegistry', () => {
  it('aborts only the controllers of the cancelled run, with a cancelled cause', () => {
    const reg = new CancelRegistry();
    const a = new AbortController();
    const b = new AbortController();
    reg.register('run-a', a);
    reg.register('run-b', b);
    expect(reg.handleMessage(JSON.stringify({ runId: 'run-a' }))).toEqual({ runId: 'run-a', aborted: 1 });
    expect(a.signal.aborted).toBe(true);
    expect(a.signal.reason).toEqual({ kind: 'cancelled', runId: 'run-a' });
    expect(b.signal.aborted).toBe(false);
  });

  it('ignores malformed messages and unknown runs', () => {
    const reg = new CancelRegistry();
    expect(reg.handleMessage('not json')).toBeNull();
    expect(reg.handleMessage('{"run":"x"}')).toBeNull();
    expect(reg.handleMessage('{"runId":"nobody"}')).toEqual({ runId: 'nobody', aborted: 0 });
  });

  it('unregister forgets a controller; abortAll marks shutdown', () => {
    const reg = new CancelRegistry();
    const a = new AbortController();
    const b = new AbortController();
    const off = reg.register('r', a);
    reg.register('r', b);
    off();
    reg.abortAll();
    expect(a.signal.aborted).toBe(false);
    expect(b.signal.reason).toEqual({ kind: 'shutdown' });
    expect(reg.activeRuns()).toEqual(['r']);
  });
});
