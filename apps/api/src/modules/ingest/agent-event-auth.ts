import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, type AppConfig } from '../../config.js';
import { splitSigned, verifyAgentMac } from '../../common/auth/agent-signature.js';
import { AuthService } from '../auth/auth.service.js';
import { RunRecordsService } from '../runs/run-records.service.js';

/** how many work item → pool answers are kept (a run's points are looked up once each) */
const POOL_CACHE_MAX = 50_000;

export type AgentEventCheck = { ok: true; body: Record<string, unknown> } | { ok: false; reason: string };

/**
 * Only agents holding a credential of the right pool may feed the ingest queue (issue 12): an event must carry a
 * valid `auth` (HMAC of the event with the credential's secret, see contracts agent-auth.ts), from a live credential,
 * and name a work item whose target is in that credential's pool. Anything else is dropped by the worker, so someone
 * who can reach Redis but holds no credential cannot inject samples or finish points, and a pool's credential cannot
 * touch another pool's runs.
 */
@Injectable()
export class AgentEventAuth {
  private readonly pools = new Map<string, { runId: string; pool: string }>();

  constructor(
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(RunRecordsService) private readonly runs: RunRecordsService,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {}

  async check(data: unknown): Promise<AgentEventCheck> {
    const signed = splitSigned(data);
    if (!signed) return { ok: false, reason: 'unsigned (no agent credential)' };
    const { auth, body } = signed;
    if (!verifyAgentMac(this.config.secrets.key, auth, body)) return { ok: false, reason: 'bad signature' };
    if (!(await this.auth.acceptsAgentAuth(auth)))
      return {
        ok: false,
        reason: `agent credential ${auth.cred} is unknown, revoked or not of pool '${auth.pool}'`,
      };
    const itemId = typeof body.loadPointId === 'string' ? body.loadPointId : body.workItemId;
    if (typeof itemId !== 'string') return { ok: true, body }; // the schema check rejects it next
    const where = await this.poolOf(itemId);
    // an unknown item is left to the handlers (they drop it with their own message)
    if (where && where.pool !== auth.pool)
      return { ok: false, reason: `work item ${itemId} runs in pool '${where.pool}', not '${auth.pool}'` };
    return { ok: true, body };
  }

  private async poolOf(itemId: string): Promise<{ runId: string; pool: string } | null> {
    const hit = this.pools.get(itemId);
    if (hit) return hit;
    const found = await this.runs.findPointPool(itemId);
    if (found) {
      if (this.pools.size >= POOL_CACHE_MAX) this.pools.delete(this.pools.keys().next().value as string);
      this.pools.set(itemId, found);
    }
    return found;
  }
}
