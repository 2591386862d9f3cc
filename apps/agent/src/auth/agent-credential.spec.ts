import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { formatAgentToken, parseAgentToken } from '@inferbench/contracts';
import { createLogger } from '../common/logger.js';
import { loadConfig } from '../config.js';
import { Heartbeat } from '../heartbeat/heartbeat.js';
import { createAgentSigner, fetchTargetApiKey } from './agent-credential.js';

const parts = { credentialId: 'cred123', pool: 'gpu-a', secret: 'S'.repeat(43) };
const token = formatAgentToken(parts);

describe('agent credential', () => {
  it('signs the JSON of an object without its auth field, as the API verifies it', () => {
    const signer = createAgentSigner(parts);
    const event = { v: 1, type: 'loadpoint.started', runId: 'r', loadPointId: 'p', n: 1.5 };
    const signed = signer.sign(event) as typeof event & { auth: { cred: string; pool: string; mac: string } };
    const { auth, ...body } = signed;
    expect(body).toEqual(event);
    expect(auth).toEqual({
      cred: 'cred123',
      pool: 'gpu-a',
      mac: createHmac('sha256', parts.secret).update(JSON.stringify(event)).digest('hex'),
    });
    // signing again (a re-sent event) replaces the old signature instead of signing it
    expect(signer.sign(signed)).toEqual(signed);
    // what goes through Redis (JSON) verifies the same after parsing
    const roundTrip = JSON.parse(JSON.stringify(signed)) as Record<string, unknown>;
    const { auth: a2, ...b2 } = roundTrip;
    expect(createHmac('sha256', parts.secret).update(JSON.stringify(b2)).digest('hex')).toBe(
      (a2 as { mac: string }).mac,
    );
  });

  it('gives the same auth for JSON a caller serialized itself (authFor) as sign() adds', () => {
    const signer = createAgentSigner(parts);
    const event = { v: 1, type: 'sample.batch', encoding: 'columnar-v2', data: 'AgE=' };
    expect(signer.authFor(JSON.stringify(event))).toEqual(
      (signer.sign(event) as typeof event & { auth: unknown }).auth,
    );
    expect(signer.authFor(JSON.stringify({ ...event, data: 'AgI=' })).mac).not.toBe(
      signer.authFor(JSON.stringify(event)).mac,
    );
  });

  it('reads AGENT_TOKEN: the pool comes from it, a different AGENT_POOL is refused', () => {
    expect(parseAgentToken(token)).toEqual(parts);
    const c = loadConfig({ AGENT_TOKEN: token, INFERBENCH_API_URL: 'http://api:4000/' });
    expect(c.agent.pool).toBe('gpu-a');
    expect(c.credential).toMatchObject({ credentialId: 'cred123', token });
    expect(c.apiUrl).toBe('http://api:4000');
    expect(() => loadConfig({ AGENT_TOKEN: token, AGENT_POOL: 'other' })).toThrow(
      /differs from the pool of AGENT_TOKEN/,
    );
    expect(() => loadConfig({ AGENT_TOKEN: 'nope' })).toThrow(/AGENT_TOKEN/);
    expect(loadConfig({}).agent.pool).toBe('default');
  });

  it('fetches a load point secret with the token, and reports the API’s refusal', async () => {
    const calls: { url: string; auth: string | null }[] = [];
    const fake = (status: number, body: unknown): typeof fetch =>
      (async (url: string, init?: RequestInit) => {
        calls.push({ url, auth: new Headers(init?.headers).get('authorization') });
        return new Response(JSON.stringify(body), { status });
      }) as unknown as typeof fetch;
    expect(await fetchTargetApiKey('http://api', token, 'lp1', fake(200, { apiKey: 'sk-1' }))).toBe('sk-1');
    expect(calls[0]).toEqual({ url: 'http://api/agents/load-points/lp1/secret', auth: `Bearer ${token}` });
    expect(await fetchTargetApiKey('http://api', token, 'lp1', fake(200, { apiKey: null }))).toBeNull();
    await expect(
      fetchTargetApiKey('http://api', token, 'lp1', fake(403, { error: { message: 'wrong pool' } })),
    ).rejects.toThrow(/403: wrong pool/);
  });

  it('signs the heartbeat as written (after the AgentInfo parse, which drops unknown keys)', async () => {
    const written: string[] = [];
    const signer = createAgentSigner(parts);
    const hb = new Heartbeat(
      { set: async (_k, v) => void written.push(v), del: async () => undefined },
      {
        key: 'k',
        logger: createLogger('silent'),
        sign: (info) => signer.sign(info),
        snapshot: () => ({
          id: 'a1',
          pool: 'gpu-a',
          host: 'h',
          version: '0',
          capabilities: { cpus: 1, memoryMb: 1, gpus: [], labels: {} },
          state: 'idle',
          currentJob: null,
          startedAt: 1,
          heartbeatAt: 2,
        }),
      },
    );
    await hb.beat();
    const { auth, ...body } = JSON.parse(written[0]!) as { auth: { mac: string } };
    expect(auth.mac).toBe(createHmac('sha256', parts.secret).update(JSON.stringify(body)).digest('hex'));
  });
});
