import type { AgentInfo, AgentView } from '@inferbench/contracts';
import type { AgentRow } from './agents.repository.js';

/**
 * Agent row (+ its live Redis info when the key still exists) → API view. No live key means `offline`;
 * a live agent's state and current job come from its latest heartbeat.
 */
export function toAgentView(row: AgentRow, live: AgentInfo | undefined): AgentView {
  const capabilities =
    typeof row.capabilities === 'object' && row.capabilities !== null
      ? (row.capabilities as Record<string, unknown>)
      : {};
  return {
    id: row.id,
    pool: live?.pool ?? row.pool,
    host: live?.host ?? row.host,
    version: live?.version ?? row.version,
    state: live ? live.state : 'offline',
    capabilities: live ? (live.capabilities as Record<string, unknown>) : capabilities,
    currentJob: live ? live.currentJob : null,
    lastHeartbeatAt: new Date(live?.heartbeatAt ?? row.lastHeartbeatAt.getTime()).toISOString(),
  };
}
