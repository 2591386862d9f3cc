import type { ServerTelemetry } from '@inferbench/contracts';
import { describe, expect, it } from 'vitest';
import { derivedRows, engineCaption, noSplitMessage } from './server-figures';

describe('server panel figures', () => {
  it('names the engine and how it was found', () => {
    expect(engineCaption({ engine: 'llamacpp', engineDetectedBy: 'metric-names' })).toBe('llama.cpp');
    expect(engineCaption({ engine: 'llamacpp', engineDetectedBy: 'v1-models' })).toBe(
      'llama.cpp (from /v1/models)',
    );
    expect(engineCaption({ engine: 'tgi', engineDetectedBy: 'tgi-info' })).toBe('TGI (from /info)');
    // telemetry stored before detection existed has no engineDetectedBy
    expect(engineCaption({ engine: 'vllm' })).toBe('vLLM');
  });

  it('lists llama.cpp derived figures, and nothing for an engine without them', () => {
    const server: Pick<ServerTelemetry, 'derived' | 'deltas'> = {
      deltas: { decodeCalls: 2000 },
      derived: {
        prefillTokensPerSec: 1000,
        decodeTokensPerSec: 44.444,
        prefillTimeSharePct: 3.226,
        busySlotsPerDecode: 3.75,
      },
    };
    expect(derivedRows(server)).toEqual([
      ['prefill speed per request (tokens/s)', '1000.0'],
      ['decode speed per request (tokens/s)', '44.4'],
      ['prefill share of processing time', '3.2 %'],
      ['busy slots per decode call', '3.75 (over 2000 calls)'],
    ]);
    expect(derivedRows({ deltas: {} })).toEqual([]);
  });

  it("says why there is no TTFT split in the engine's words", () => {
    expect(
      noSplitMessage({
        missing: [
          { figure: 'TTFT queue/prefill split', reason: 'llama.cpp exposes no per-request queue time' },
        ],
      }),
    ).toBe('No TTFT queue/prefill split: llama.cpp exposes no per-request queue time.');
    expect(noSplitMessage({})).toBe('No TTFT split: the server exposes no queue/prefill histograms.');
  });
});
