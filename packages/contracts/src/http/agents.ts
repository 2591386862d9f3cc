import { z } from 'zod';
import { IsoDateSchema } from '../common.js';

export const AgentViewSchema = z.object({
  id: z.string(),
  pool: z.string(),
  host: z.string(),
  version: z.string(),
  state: z.enum(['idle', 'busy', 'offline']),
  capabilities: z.record(z.string(), z.unknown()),
  currentJob: z.object({ runId: z.string(), loadPointId: z.string(), shardIndex: z.number() }).nullable(),
  lastHeartbeatAt: IsoDateSchema,
});
export type AgentView = z.infer<typeof AgentViewSchema>;
export const AgentListSchema = z.object({ items: z.array(AgentViewSchema) });
