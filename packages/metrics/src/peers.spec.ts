import { describe, expect, it } from 'vitest';
import { SUMMARY_FIGURES, summarizeSamples } from './accumulator.js';
import { clientHealthWarnings } from './client-health.js';
import { annotateSummary, PEER_EQUIVALENTS, PEER_TOOLS } from './peers.js';
import { makeSample } from './testing/samples.js';

describe('PEER_EQUIVALENTS', () => {
  it('has an entry with every peer for every summary figure', () => {
    for (const f of SUMMARY_FIGURES) {
      const e = PEER_EQUIVALENTS[f];
      expect(e, f).toBeDefined();
      expect(Object.keys(e.peers).sort()).toEqual([...PEER_TOOLS].sort());
    }
  });

  it('maps by quantity, not by word', () => {
    expect(PEER_EQUIVALENTS.tpotMs.peers.aiperf?.name).toBe('inter_token_latency');
    expect(PEER_EQUIVALENTS.tpotMs.peers.vllm?.name).toBe('TPOT (tpot_ms)');
    expect(PEER_EQUIVALENTS.ntpotMs.peers.guidellm?.name).toBe('time_per_output_token_ms');
    expect(PEER_EQUIVALENTS.itlMs.peers.aiperf?.name).toBe('inter_chunk_latency');
    expect(PEER_EQUIVALENTS.itlMs.peers.guidellm).toBeNull();
  });

  it('annotateSummary adds the figures present and leaves the summary intact', () => {
    const s = summarizeSamples(
      [makeSample({ sentUs: 0, firstChunkUs: 1000, chunkGapsUs: [500], endUs: 2000, outputTokens: 2 })],
      {
        slo: { ttftMs: 5, percentile: 99 },
      },
    );
    const a = annotateSummary(s);
    expect(a.peerNames.ttftMs?.peers.sglang?.name).toBe('TTFT');
    expect(a.peerNames.goodput?.peers.vllm?.name).toBe('request_goodput');
    expect(a.peerNames.scheduleDelayMs).toBeUndefined(); // not in this summary
    expect(a.latency).toBe(s.latency);
    expect('peerNames' in s).toBe(false);
  });
});

describe('clientHealthWarnings', () => {
  it('returns plain-language warnings only for readings over threshold', () => {
    expect(
      clientHealthWarnings({ scheduleDelayP99Ms: 12.34, eventLoopLagP99Ms: 3, cpuBusyFraction: 0.97 }),
    ).toEqual([
      'The client fell behind its schedule: p99 schedule delay 12.3 ms > 5 ms; figures may reflect the client, not the server.',
      'The client was CPU-bound: 97.0% CPU busy > 90.0%; figures may reflect the client, not the server.',
    ]);
    expect(clientHealthWarnings({ eventLoopLagP99Ms: 45, thresholds: { eventLoopLagP99Ms: 50 } })).toEqual(
      [],
    );
    expect(clientHealthWarnings({ eventLoopLagP99Ms: 45 })[0]).toMatch(
      /^The client's event loop was delayed: p99 event-loop lag 45\.0 ms > 20 ms/,
    );
    expect(clientHealthWarnings({})).toEqual([]);
  });
});
