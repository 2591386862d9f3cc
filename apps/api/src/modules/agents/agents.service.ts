import { Inject, Injectable } from '@nestjs/common';
import {
  agentKeyPattern,
  AgentInfoSchema,
  type AgentInfo,
  type AgentListSchema,
} from '@inferbench/contracts';
import type { z } from 'zod';
import { CONFIG, type AppConfig } from '../../config.js';
import { splitSigned, verifyAgentMac } from '../../common/auth/agent-signature.js';
import { LOGGER, type Logger } from '../../common/logging/logger.js';
import { AuthService } from '../auth/auth.service.js';
import { RedisService } from '../../infra/redis/redis.service.js';
import { toAgentView } from './agents.mapper.js';
import { AgentsRepository } from './agents.repository.js';

/**
 * Agents announce themselves with a JSON AgentInfo under `agentKey(prefix, id)` with a short TTL. This
 * service scans those keys (the sweeper calls {@link refresh} every tick, and `GET /agents` does before
 * answering), mirrors them into the Agent table (only the API touches the database) and reports an agent
 * whose key has expired as offline.
 */
@Injectable()
export class AgentsService {
  private live = new Map<string, AgentInfo>();
  /** keys already warned about (one warning per rejected key) */
  private readonly rejected = new Set<string>();
  private inFlight: Promise<Map<string, AgentInfo>> | undefined;

  constructor(
    @Inject(AgentsRepository) private readonly repo: AgentsRepository,
    @Inject(RedisService) private readonly redis: RedisService,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {}

  /** null when the heartbeat is signed by a live credential of `pool`, else why not. */
  private async rejectReason(json: unknown, pool: string): Promise<string | null> {
    const s = splitSigned(json);
    if (!s) return 'unsigned heartbeat (set AGENT_TOKEN)';
    if (s.auth.pool !== pool) return `credential of pool '${s.auth.pool}' used in pool '${pool}'`;
    if (!verifyAgentMac(this.config.secrets.key, s.auth, s.body)) return 'bad signature';
    if (!(await this.auth.acceptsAgentAuth(s.auth)))
      return `agent credential ${s.auth.cred} is unknown or revoked`;
    return null;
  }

  /** Scan live agent keys and upsert them; concurrent callers share one scan. */
  refresh(): Promise<Map<string, AgentInfo>> {
    this.inFlight ??= this.scan().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async scan(): Promise<Map<string, AgentInfo>> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.command.scan(
        cursor,
        'MATCH',
        agentKeyPattern(this.redis.prefix),
        'COUNT',
        500,
      );
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    const values = keys.length ? await this.redis.command.mget(...keys) : [];
    const live = new Map<string, AgentInfo>();
    const signed: { key: string; info: AgentInfo; json: unknown }[] = [];
    values.forEach((raw, i) => {
      if (raw === null) return; // expired between SCAN and MGET
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        json = undefined;
      }
      const parsed = AgentInfoSchema.safeParse(json);
      if (!parsed.success) {
        this.logger.warn({ key: keys[i] }, 'ignoring an agent key that does not match AgentInfo');
        return;
      }
      signed.push({ key: keys[i]!, info: parsed.data, json });
    });
    // only agents holding a live credential of their pool count as registered (issue 12)
    for (const s of signed) {
      const reason = await this.rejectReason(s.json, s.info.pool);
      if (reason === null) {
        live.set(s.info.id, s.info);
        this.rejected.delete(s.key);
      } else if (!this.rejected.has(s.key)) {
        this.rejected.add(s.key);
        this.logger.warn(
          { key: s.key, agentId: s.info.id, reason },
          'ignoring an agent without a valid credential',
        );
      }
    }
    for (const info of live.values()) await this.repo.upsert(info);
    for (const id of this.live.keys()) {
      if (!live.has(id)) this.logger.warn({ agentId: id }, 'agent went offline (heartbeat key expired)');
    }
    this.live = live;
    return live;
  }

  /**
   * Jobs of agents whose heartbeat key expired while they were busy (as mirrored in the Agent table, so a loss
   * that happened while the API was down is still found). Call {@link forgetLostJob} once one is handled.
   */
  async lostJobs(): Promise<
    { agentId: string; job: { runId: string; loadPointId: string; shardIndex: number; attempt: number } }[]
  > {
    const rows = await this.repo.findGoneWithJob([...this.live.keys()]);
    return rows.flatMap((r) => {
      const job = AgentInfoSchema.shape.currentJob.safeParse(r.currentJob);
      if (!job.success || job.data === null) return [];
      return [{ agentId: r.id, job: { ...job.data, attempt: job.data.attempt ?? 0 } }];
    });
  }

  forgetLostJob(agentId: string): Promise<void> {
    return this.repo.clearJob(agentId);
  }

  /** Pools with at least one live agent (as of the last scan). */
  livePools(): Set<string> {
    return new Set([...this.live.values()].map((a) => a.pool));
  }

  lastHeartbeatByPool(): Promise<Map<string, Date>> {
    return this.repo.lastHeartbeatByPool();
  }

  async listAgents(): Promise<z.infer<typeof AgentListSchema>> {
    // a scan already in flight may have started before a key changed: wait for it, then scan afresh
    await this.inFlight?.catch(() => undefined);
    const live = await this.refresh();
    const rows = await this.repo.list();
    return { items: rows.map((r) => toAgentView(r, live.get(r.id))) };
  }
}
