import { afterEach, describe, expect, it, vi } from 'vitest';
import { startSim, type SimServer } from './index.js';
import { gaps, postStream, scrapeMetrics, series } from './test-client.js';

let sim: SimServer | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const chat = {
  messages: [{ role: 'user', content: 'hello' }],
  max_tokens: 20,
  ignore_eos: true,
  stream: true,
};

describe('fault injection', () => {
  it('answers 500, 429 and 503 (with Retry-After) at the configured rates', async () => {
    sim = await startSim({
      port: 0,
      profiles: {
        err: { stepBaseMs: 1, faults: { errorRate: 1 } },
        limited: { stepBaseMs: 1, faults: { rateLimitRate: 1, retryAfterS: 7 } },
        down: { stepBaseMs: 1, faults: { unavailableRate: 1 } },
      },
      models: ['err', 'limited', 'down'],
    });
    const err = await postStream(`${sim.url}/v1/chat/completions`, { ...chat, model: 'err' });
    expect(err.status).toBe(500);
    expect(JSON.parse(err.bodyText).error.message).toMatch(/injected/);
    const limited = await postStream(`${sim.url}/v1/chat/completions`, { ...chat, model: 'limited' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    const down = await postStream(`${sim.url}/v1/chat/completions`, { ...chat, model: 'down' });
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('1');
    expect(sim.stats().requestsFaulted).toBe(3);
  });

  it('draws faults from the seed: same seed, same pattern; rate is respected', async () => {
    const pattern = async (seed: number): Promise<number[]> => {
      const s = await startSim({
        port: 0,
        seed,
        faults: { errorRate: 0.5 },
        profiles: { q: { stepBaseMs: 0.2 } },
        models: ['q'],
      });
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) {
        const res = await fetch(`${s.url}/v1/completions`, {
          method: 'POST',
          body: JSON.stringify({ model: 'q', prompt: 'x', max_tokens: 1 }),
        });
        await res.arrayBuffer();
        statuses.push(res.status);
      }
      await s.close();
      return statuses;
    };
    const a = await pattern(3);
    expect(await pattern(3)).toEqual(a);
    const errors = a.filter((s) => s === 500).length;
    expect(errors).toBeGreaterThan(8);
    expect(errors).toBeLessThan(32);
    expect(await pattern(4)).not.toEqual(a);
  });

  it('cuts the connection mid-stream on an injected disconnect', async () => {
    sim = await startSim({
      port: 0,
      faults: { disconnectRate: 1 },
      profiles: { q: { stepBaseMs: 1 } },
      models: ['q'],
    });
    const r = await postStream(`${sim.url}/v1/chat/completions`, { ...chat, model: 'q', max_tokens: 50 });
    expect(r.status).toBe(200);
    expect(r.isDone).toBe(false);
    expect(r.error).toBeDefined();
    expect(r.tokenTimesMs.length).toBeLessThan(50);
    await vi.waitFor(() => expect(sim!.stats().models.q!.running).toBe(0));
    expect(sim.stats().requestsAborted).toBe(1);
  });

  it('inserts a malformed (non-JSON) data line', async () => {
    sim = await startSim({
      port: 0,
      faults: { malformedRate: 1 },
      profiles: { q: { stepBaseMs: 1 } },
      models: ['q'],
    });
    const r = await postStream(`${sim.url}/v1/chat/completions`, { ...chat, model: 'q' });
    expect(r.isDone).toBe(true);
    const broken = r.events.filter((e) => e.data !== '[DONE]' && e.json === undefined);
    expect(broken).toHaveLength(1);
    expect(r.tokenTimesMs).toHaveLength(20);
  });

  it('stalls a stream once for stallMs', async () => {
    sim = await startSim({
      port: 0,
      faults: { stallRate: 1, stallMs: 300 },
      profiles: { q: { stepBaseMs: 5 } },
      models: ['q'],
    });
    const r = await postStream(`${sim.url}/v1/chat/completions`, { ...chat, model: 'q' });
    expect(r.isDone).toBe(true);
    // client: the pause is visible (noise can only lengthen gaps)
    expect(Math.max(...gaps(r.tokenTimesMs))).toBeGreaterThan(280);
    // engine timeline: exactly one gap longer than 200 ms (the stall), all others ~5 ms
    const m = await scrapeMetrics(sim.url);
    const itl = 'vllm:inter_token_latency_seconds';
    const over200Ms =
      series(m, `${itl}_bucket`, 'q', 'le="+Inf"') - series(m, `${itl}_bucket`, 'q', 'le="0.2"');
    expect(over200Ms).toBe(1);
    expect(series(m, `${itl}_bucket`, 'q', 'le="0.01"')).toBe(18);
  });
});
