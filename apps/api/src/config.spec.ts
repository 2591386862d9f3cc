import { describe, expect, it } from 'vitest';
import { DEV_SECRET_KEY_HEX, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      db: { url: 'postgresql://postgres@127.0.0.1:55432/inferbench', poolSize: 10 },
      redis: { url: 'redis://127.0.0.1:56379', prefix: 'ib' },
      http: { host: '127.0.0.1', port: 4000 },
      runs: { noAgentWaitSec: 120, stallTimeoutSec: 60, sweepIntervalMs: 2000 },
      ingest: { concurrency: 4 },
      logLevel: 'info',
    });
    expect(c.secrets.isDevelopmentKey).toBe(true);
    expect(c.secrets.key.toString('hex')).toBe(DEV_SECRET_KEY_HEX);
  });

  it('parses given values and rejects bad ones with the variable name', () => {
    const key = 'ab'.repeat(32);
    const c = loadConfig({ SECRET_KEY: key, API_PORT: '0', NO_AGENT_WAIT_SEC: '5', QUEUE_PREFIX: 'x1' });
    expect(c.secrets).toMatchObject({ isDevelopmentKey: false });
    expect(c.secrets.key).toHaveLength(32);
    expect(c.http.port).toBe(0);
    expect(c.runs.noAgentWaitSec).toBe(5);
    expect(c.redis.prefix).toBe('x1');
    expect(() => loadConfig({ SECRET_KEY: 'short' })).toThrow(/SECRET_KEY/);
    expect(() => loadConfig({ API_PORT: 'http' })).toThrow(/API_PORT/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
  });

  it('reads the metrics listener settings and the INFERBENCH_METRICS switch', () => {
    expect(loadConfig({}).metrics).toEqual({ enabled: true, host: '127.0.0.1', port: 9464 });
    expect(
      loadConfig({ METRICS_PORT: '0', METRICS_HOST: '0.0.0.0', INFERBENCH_METRICS: '0' }).metrics,
    ).toEqual({ enabled: false, host: '0.0.0.0', port: 0 });
    expect(loadConfig({ INFERBENCH_METRICS: 'false' }).metrics.enabled).toBe(false);
    expect(loadConfig({ INFERBENCH_METRICS: '' }).metrics.enabled).toBe(true);
    expect(() => loadConfig({ METRICS_PORT: '70000' })).toThrow(/METRICS_PORT/);
    expect(() => loadConfig({ INFERBENCH_METRICS: 'maybe' })).toThrow(/INFERBENCH_METRICS/);
  });
});
