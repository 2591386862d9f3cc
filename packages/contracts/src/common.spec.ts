import { describe, expect, it } from 'vitest';
import {
  isTerminalPointStatus,
  isTerminalRunStatus,
  NON_TERMINAL_RUN_STATUSES,
  RunStatusSchema,
  TERMINAL_RUN_STATUSES,
} from './common.js';

describe('terminal statuses', () => {
  it('splits every run status into terminal and active, with nothing left over', () => {
    const all = RunStatusSchema.options;
    expect([...TERMINAL_RUN_STATUSES, ...NON_TERMINAL_RUN_STATUSES].sort()).toEqual([...all].sort());
    for (const s of all) {
      expect(isTerminalRunStatus(s)).toBe(TERMINAL_RUN_STATUSES.includes(s));
      expect(isTerminalPointStatus(s)).toBe(isTerminalRunStatus(s));
    }
  });

  it('judges the lifecycle: queued and running are active, the three ends are final', () => {
    expect(['queued', 'running'].map(isTerminalRunStatus)).toEqual([false, false]);
    expect(['completed', 'failed', 'cancelled'].map(isTerminalRunStatus)).toEqual([true, true, true]);
  });

  it('treats an unknown wire value as not terminal', () => {
    expect(isTerminalRunStatus('aborted')).toBe(false);
    expect(isTerminalRunStatus('')).toBe(false);
  });
});
