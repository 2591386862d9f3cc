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

const emptyAsUnset = (v: unknown): unknown => (v === '' ? undefined : v);
const optionalString = z.preprocess(emptyAsUnset, z.string().min(1).optional());

export const ApiEnvSchema = z.object({
  /** development (default) and test allow the development SECRET_KEY and the bootstrap token */
  NODE_ENV: z.preprocess(emptyAsUnset, z.enum(['development', 'test', 'production']).default('development')),
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
  /** an admin credential from the environment for tests, CI and the demo (≥ 32 characters); see the README */
  INFERBENCH_BOOTSTRAP_TOKEN: z.preprocess(
    emptyAsUnset,
    z.string().min(32, 'INFERBENCH_BOOTSTRAP_TOKEN must be at least 32 characters').optional(),
  ),
  /** production refuses INFERBENCH_BOOTSTRAP_TOKEN unless this is true */
  INFERBENCH_ALLOW_BOOTSTRAP_TOKEN: z.preprocess(emptyAsUnset, z.stringbool().default(false)),
  /** first run (no user yet): create this admin; password from INFERBENCH_ADMIN_PASSWORD or random, logged once */
  INFERBENCH_ADMIN_EMAIL: optionalString,
  INFERBENCH_ADMIN_PASSWORD: optionalString,
  /** public URL of the API as browsers reach it (OIDC callbacks); default http://API_HOST:API_PORT */
  AUTH_BASE_URL: optionalString,
  /** extra origins allowed to post to /auth/* (comma-separated), e.g. the dashboard's URL */
  AUTH_TRUSTED_ORIGINS: z.string().default(''),
  AUTH_SESSION_DAYS: z.coerce.number().positive().max(90).default(7),
  /** optional OIDC sign-in (off unless OIDC_DISCOVERY_URL and OIDC_CLIENT_ID are set) */
  OIDC_DISCOVERY_URL: z.preprocess(emptyAsUnset, z.url().optional()),
  OIDC_CLIENT_ID: optionalString,
  OIDC_CLIENT_SECRET: optionalString,
  OIDC_PROVIDER_ID: z
    .string()
    .regex(/^[a-z0-9-]{1,40}$/)
    .default('oidc'),
  OIDC_DEFAULT_ROLE: z.enum(['viewer', 'editor', 'admin']).default('viewer'),
  /** requests per minute per client (token, session or IP); 0 = no limit */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(1200),
  /** sign-in attempts per minute per IP on /auth/* */
  AUTH_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(20),
  /** largest accepted request body, MB (imports of detailed vLLM files need tens of MB) */
  BODY_LIMIT_MB: z.coerce.number().positive().max(1024).default(64),
  /** the Prometheus metrics listener, separate from the API's router (0 = no listener) */
  METRICS_PORT: z.coerce.number().int().min(0).max(65_535).default(9464),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** `0`/`false`: collect no metrics at all (no listener, no hooks) */
  INFERBENCH_METRICS: z.preprocess((v) => (v === '' ? undefined : v), z.stringbool().default(true)),
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
  env: 'development' | 'test' | 'production';
  auth: {
    /** accepted as an admin bearer token (tests, CI, demo); undefined: none */
    bootstrapToken?: string;
    /** first-run admin */
    admin?: { email: string; password?: string };
    baseUrl: string;
    trustedOrigins: string[];
    sessionDays: number;
    oidc?: {
      providerId: string;
      discoveryUrl: string;
      clientId: string;
      clientSecret?: string;
      defaultRole: 'viewer' | 'editor' | 'admin';
    };
    /** requests per minute per client, 0 = none; sign-in attempts per minute per IP */
    rateLimitPerMinute: number;
    authRateLimitPerMinute: number;
  };
  limits: { bodyBytes: number };
  runs: {
    /** a run whose pool has had no live agent for this long fails */
    noAgentWaitSec: number;
    /** a running load point with no agent event for this long fails */
    stallTimeoutSec: number;
    /** period of the sweeper (stuck runs, stalls, agent scan) */
    sweepIntervalMs: number;
  };
  ingest: { concurrency: number };
  /** our own Prometheus metrics: collected unless `enabled` is false, served on `host:port` unless port is 0 */
  metrics: { enabled: boolean; host: string; port: number };
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
  if (e.NODE_ENV === 'production') {
    // no fixed fallback secret outside development and test (issue 12)
    if (e.SECRET_KEY === undefined)
      throw new Error(
        'invalid API configuration:\n  SECRET_KEY: required when NODE_ENV=production (openssl rand -hex 32)',
      );
    if (e.INFERBENCH_BOOTSTRAP_TOKEN !== undefined && !e.INFERBENCH_ALLOW_BOOTSTRAP_TOKEN)
      throw new Error(
        'invalid API configuration:\n  INFERBENCH_BOOTSTRAP_TOKEN: refused when NODE_ENV=production ' +
          '(set INFERBENCH_ALLOW_BOOTSTRAP_TOKEN=true to accept it anyway)',
      );
  }
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
    env: e.NODE_ENV,
    auth: {
      ...(e.INFERBENCH_BOOTSTRAP_TOKEN ? { bootstrapToken: e.INFERBENCH_BOOTSTRAP_TOKEN } : {}),
      ...(e.INFERBENCH_ADMIN_EMAIL
        ? {
            admin: {
              email: e.INFERBENCH_ADMIN_EMAIL,
              ...(e.INFERBENCH_ADMIN_PASSWORD ? { password: e.INFERBENCH_ADMIN_PASSWORD } : {}),
            },
          }
        : {}),
      baseUrl: (e.AUTH_BASE_URL ?? `http://${e.API_HOST}:${e.API_PORT}`).replace(/\/+$/, ''),
      trustedOrigins: e.AUTH_TRUSTED_ORIGINS.split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      sessionDays: e.AUTH_SESSION_DAYS,
      ...(e.OIDC_DISCOVERY_URL && e.OIDC_CLIENT_ID
        ? {
            oidc: {
              providerId: e.OIDC_PROVIDER_ID,
              discoveryUrl: e.OIDC_DISCOVERY_URL,
              clientId: e.OIDC_CLIENT_ID,
              ...(e.OIDC_CLIENT_SECRET ? { clientSecret: e.OIDC_CLIENT_SECRET } : {}),
              defaultRole: e.OIDC_DEFAULT_ROLE,
            },
          }
        : {}),
      rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
      authRateLimitPerMinute: e.AUTH_RATE_LIMIT_PER_MINUTE,
    },
    limits: { bodyBytes: Math.round(e.BODY_LIMIT_MB * 1024 * 1024) },
    metrics: { enabled: e.INFERBENCH_METRICS, host: e.METRICS_HOST, port: e.METRICS_PORT },
    logLevel: e.LOG_LEVEL,
  };
}

/** Nest injection token of the {@link AppConfig}. */
export const CONFIG = Symbol('AppConfig');
