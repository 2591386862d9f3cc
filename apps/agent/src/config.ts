/**
 * Agent configuration: one small zod schema over the environment, parsed once at boot (STYLE.md F)
 * and mapped to a nested typed object. Only this file reads environment variables.
 */
import os from 'node:os';
import { z } from 'zod';
import {
  DEFAULT_REDIS_PREFIX,
  parseAgentToken,
  SAMPLE_BATCH_ENCODINGS,
  type AgentTokenParts,
  type SampleBatchEncoding,
} from '@inferbench/contracts';

const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const positiveMs = (def: number) => z.coerce.number().int().positive().default(def);

/** `k=v,k=v` → record; empty string → {}. */
const LabelsSchema = z
  .string()
  .default('')
  .transform((s, ctx) => {
    const out: Record<string, string> = {};
    for (const part of s
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)) {
      const eq = part.indexOf('=');
      if (eq <= 0) {
        ctx.addIssue({ code: 'custom', message: `label "${part}" is not k=v` });
        return z.NEVER;
      }
      out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
    }
    return out;
  });

/** An env var set to the empty string counts as unset (shell templates often write `X=`). */
const emptyAsUnset = (v: unknown): unknown => (v === '' ? undefined : v);

/** `0,1,3` → [0, 1, 3]. */
const GpuIndicesSchema = z.preprocess(
  emptyAsUnset,
  z
    .string()
    .regex(/^\s*\d+\s*(,\s*\d+\s*)*$/, 'GPU indices must be a comma-separated list of integers, e.g. 0,1')
    .transform((s) => s.split(',').map((p) => Number(p.trim())))
    .optional(),
);

export const AgentEnvSchema = z
  .object({
    REDIS_URL: z.string().min(1).default('redis://127.0.0.1:56379'),
    QUEUE_PREFIX: z.string().min(1).default(DEFAULT_REDIS_PREFIX),
    /** default: the pool of AGENT_TOKEN, else `default` */
    AGENT_POOL: z.preprocess(
      emptyAsUnset,
      z
        .string()
        .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'pool must be lowercase letters, digits and dashes')
        .optional(),
    ),
    /** the pool's agent credential (`ibagent.…`, from POST /agent-credentials): signs what the agent writes to Redis */
    AGENT_TOKEN: z.preprocess(
      emptyAsUnset,
      z
        .string()
        .refine(
          (s) => parseAgentToken(s) !== null,
          'AGENT_TOKEN is not an agent credential (ibagent.<id>.<pool>.<secret>)',
        )
        .optional(),
    ),
    /** the API, for the target API keys of jobs (fetched per load point, never sent through Redis) */
    INFERBENCH_API_URL: z.preprocess(emptyAsUnset, z.url().optional()),
    AGENT_ID: z.string().min(1).max(200).optional(),
    AGENT_LABELS: LabelsSchema,
    AGENT_JOB_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
    /** worker threads per load point (own event loop and connections each); default cores − 1, at least 1; 1 = in-process */
    AGENT_WORKERS: z.preprocess(emptyAsUnset, z.coerce.number().int().min(1).max(256).optional()),
    AGENT_TOKENIZER: z.string().min(1).default('auto'),
    /** `auto` looks for `<dir>/<model>/tokenizer.json` here when a target has no tokenize endpoint */
    AGENT_TOKENIZER_DIR: z.string().min(1).optional(),
    AGENT_CONNECT_TIMEOUT_MS: positiveMs(10_000),
    AGENT_FIRST_TOKEN_TIMEOUT_MS: positiveMs(120_000),
    AGENT_IDLE_TIMEOUT_MS: positiveMs(60_000),
    AGENT_TOTAL_TIMEOUT_MS: positiveMs(600_000),
    LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
    // stringbool, not coerce.boolean: the latter reads "false" as true (STYLE.md C)
    AGENT_GPU_TELEMETRY: z.preprocess(emptyAsUnset, z.stringbool().default(true)),
    AGENT_GPU_INDICES: GpuIndicesSchema,
    AGENT_DCGM_URL: z.preprocess(emptyAsUnset, z.url().optional()),
    AGENT_TELEMETRY_INTERVAL_MS: z.coerce.number().int().min(100).max(60_000).default(1000),
    /** our own Prometheus metrics listener (0 = none) */
    AGENT_METRICS_PORT: z.coerce.number().int().min(0).max(65_535).default(9465),
    AGENT_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
    /** `0`/`false`: collect no metrics at all */
    INFERBENCH_METRICS: z.preprocess(emptyAsUnset, z.stringbool().default(true)),
    /** how sample batches travel to the API: `columnar-v2` (compact), or `json-v1` for an API older than issue 14 */
    AGENT_INGEST_ENCODING: z.preprocess(emptyAsUnset, z.enum(SAMPLE_BATCH_ENCODINGS).default('columnar-v2')),
  })
  .superRefine((e, ctx) => {
    const token = e.AGENT_TOKEN ? parseAgentToken(e.AGENT_TOKEN) : null;
    if (token && e.AGENT_POOL !== undefined && token.pool !== e.AGENT_POOL)
      ctx.addIssue({
        code: 'custom',
        path: ['AGENT_POOL'],
        message: `AGENT_POOL '${e.AGENT_POOL}' differs from the pool of AGENT_TOKEN ('${token.pool}')`,
      });
  });

/** Typed agent configuration (nested, defaults applied). */
export interface AgentConfig {
  redis: { url: string; prefix: string };
  agent: {
    id: string;
    pool: string;
    labels: Record<string, string>;
    jobConcurrency: number;
    /** worker threads a load point runs on (AGENT_WORKERS); absent or 1: in the agent's own thread */
    workers?: number;
  };
  tokenizer: string;
  tokenizerDir?: string;
  /** per-request timeouts of the HTTP client, milliseconds */
  timeouts: { connectMs: number; firstTokenMs: number; idleMs: number; totalMs: number };
  logLevel: LogLevel;
  /** server (Prometheus) and GPU telemetry collected while a load point runs */
  telemetry: {
    /** sample the host's GPUs during each point (a job can turn it off, never on) */
    gpu: boolean;
    /** GPUs to keep (nvidia-smi index); undefined = all of the host */
    gpuIndices?: number[];
    /** read this DCGM exporter instead of running nvidia-smi */
    dcgmUrl?: string;
    /** period of metrics scrapes and GPU samples, ms */
    intervalMs: number;
  };
  /** the agent's own Prometheus metrics: collected unless `enabled` is false, served unless port is 0 */
  metrics: { enabled: boolean; host: string; port: number };
  /** encoding of sample batches on the ingest queue (AGENT_INGEST_ENCODING) */
  ingestEncoding: SampleBatchEncoding;
  /** the pool's credential; absent: nothing is signed (the API ignores this agent) */
  credential?: AgentTokenParts & { token: string };
  /** base URL of the API (target API keys); absent: jobs whose target has a key fail */
  apiUrl?: string;
}

/** Parse the environment (default: `process.env`) into an {@link AgentConfig}; throws a readable error on bad values. */
export function loadConfig(env: Record<string, string | undefined> = process.env): AgentConfig {
  const parsed = AgentEnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid agent configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    redis: { url: e.REDIS_URL, prefix: e.QUEUE_PREFIX },
    agent: {
      id: e.AGENT_ID ?? `${os.hostname()}-${process.pid}`,
      pool: e.AGENT_POOL ?? (e.AGENT_TOKEN ? parseAgentToken(e.AGENT_TOKEN)?.pool : undefined) ?? 'default',
      labels: e.AGENT_LABELS,
      jobConcurrency: e.AGENT_JOB_CONCURRENCY,
      workers: e.AGENT_WORKERS ?? Math.max(1, os.cpus().length - 1),
    },
    tokenizer: e.AGENT_TOKENIZER,
    ...(e.AGENT_TOKENIZER_DIR ? { tokenizerDir: e.AGENT_TOKENIZER_DIR } : {}),
    timeouts: {
      connectMs: e.AGENT_CONNECT_TIMEOUT_MS,
      firstTokenMs: e.AGENT_FIRST_TOKEN_TIMEOUT_MS,
      idleMs: e.AGENT_IDLE_TIMEOUT_MS,
      totalMs: e.AGENT_TOTAL_TIMEOUT_MS,
    },
    logLevel: e.LOG_LEVEL,
    telemetry: {
      gpu: e.AGENT_GPU_TELEMETRY,
      ...(e.AGENT_GPU_INDICES === undefined ? {} : { gpuIndices: e.AGENT_GPU_INDICES }),
      ...(e.AGENT_DCGM_URL === undefined ? {} : { dcgmUrl: e.AGENT_DCGM_URL }),
      intervalMs: e.AGENT_TELEMETRY_INTERVAL_MS,
    },
    metrics: { enabled: e.INFERBENCH_METRICS, host: e.AGENT_METRICS_HOST, port: e.AGENT_METRICS_PORT },
    ingestEncoding: e.AGENT_INGEST_ENCODING,
    ...(e.AGENT_TOKEN ? { credential: { ...parseAgentToken(e.AGENT_TOKEN)!, token: e.AGENT_TOKEN } } : {}),
    ...(e.INFERBENCH_API_URL ? { apiUrl: e.INFERBENCH_API_URL.replace(/\/+$/, '') } : {}),
  };
}
