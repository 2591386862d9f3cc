/**
 * API configuration: one small zod schema over the environment, parsed once at boot (STYLE.md F) and
 * mapped to a nested typed object. Only this file reads environment variables; tests build an
 * {@link AppConfig} with {@link loadConfig} from a plain object and never touch `process.env`.
 */
import { z } from 'zod';
import { DEFAULT_REDIS_PREFIX } from '@inferbench/contracts';

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Development-only AES-256 key used when SECRET_KEY is unset. Anyone with the source can decrypt
 * target API keys stored under it, hence the loud warning at boot.
 */
export const DEV_SECRET_KEY_HEX = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';

export const ApiEnvSchema = z.object({
  DATABASE_URL: z.string().min(1).default('postgresql://postgres@127.0.0.1:55432/inferbench'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  REDIS_URL: z.string().min(1).default('redis://127.0.0.1:56379'),
  QUEUE_PREFIX: z.string().min(1).default(DEFAULT_REDIS_PREFIX),
  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_PORT: z.coerce.number().int().min(0).max(65_535).default(4000),
  SECRET_KEY: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'SECRET_KEY must be 64 hex characters (a 256-bit key)')
    .optional(),
  NO_AGENT_WAIT_SEC: z.coerce.number().positive().default(120),
  STALL_TIMEOUT_SEC: z.coerce.number().positive().default(60),
  SWEEP_INTERVAL_MS: z.coerce.number().int().min(50).default(2000),
  INGEST_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
});
export type ApiEnv = z.input<typeof ApiEnvSchema>;

/** Typed API configuration (nested, defaults applied). */
export interface AppConfig {
  db: { url: string; poolSize: number };
  redis: { url: string; prefix: string };
  http: { host: string; port: number };
  secrets: {
    /** 32-byte AES-256-GCM key for target API keys */
    key: Buffer;
    /** true when SECRET_KEY was not given and the fixed development key is in use */
    isDevelopmentKey: boolean;
  };
  runs: {
    /** a run whose pool has had no live agent for this long fails */
    noAgentWaitSec: number;
    /** a running load point with no agent event for this long fails */
    stallTimeoutSec: number;
    /** period of the sweeper (stuck runs, stalls, agent scan) */
    sweepIntervalMs: number;
  };
  ingest: { concurrency: number };
  logLevel: LogLevel;
}

/** Parse an environment-like record into an {@link AppConfig}; throws a readable error on bad values. */
export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  const parsed = ApiEnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new Error(`invalid API configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    db: { url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE },
    redis: { url: e.REDIS_URL, prefix: e.QUEUE_PREFIX },
    http: { host: e.API_HOST, port: e.API_PORT },
    secrets: {
      key: Buffer.from(e.SECRET_KEY ?? DEV_SECRET_KEY_HEX, 'hex'),
      isDevelopmentKey: e.SECRET_KEY === undefined,
    },
    runs: {
      noAgentWaitSec: e.NO_AGENT_WAIT_SEC,
      stallTimeoutSec: e.STALL_TIMEOUT_SEC,
      sweepIntervalMs: e.SWEEP_INTERVAL_MS,
    },
    ingest: { concurrency: e.INGEST_CONCURRENCY },
    logLevel: e.LOG_LEVEL,
  };
}

/** Nest injection token of the {@link AppConfig}. */
export const CONFIG = Symbol('AppConfig');
