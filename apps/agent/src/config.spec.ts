import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('agent metrics settings', () => {
  it('defaults to a loopback listener on 9465; 0 disables it; INFERBENCH_METRICS=0 turns collection off', () => {
    expect(loadConfig({}).metrics).toEqual({ enabled: true, host: '127.0.0.1', port: 9465 });
    expect(
      loadConfig({ AGENT_METRICS_PORT: '0', AGENT_METRICS_HOST: '0.0.0.0', INFERBENCH_METRICS: '0' }).metrics,
    ).toEqual({ enabled: false, host: '0.0.0.0', port: 0 });
    expect(loadConfig({ INFERBENCH_METRICS: '' }).metrics.enabled).toBe(true);
    expect(() => loadConfig({ AGENT_METRICS_PORT: '-1' })).toThrow(/AGENT_METRICS_PORT/);
  });
});

describe('ingest encoding', () => {
  it('sends sample batches as columnar-v2 unless AGENT_INGEST_ENCODING=json-v1 (an API older than issue 14)', () => {
    expect(loadConfig({}).ingestEncoding).toBe('columnar-v2');
    expect(loadConfig({ AGENT_INGEST_ENCODING: '' }).ingestEncoding).toBe('columnar-v2');
    expect(loadConfig({ AGENT_INGEST_ENCODING: 'json-v1' }).ingestEncoding).toBe('json-v1');
    expect(() => loadConfig({ AGENT_INGEST_ENCODING: 'msgpack' })).toThrow(/AGENT_INGEST_ENCODING/);
  });
});
