/**
 * The public option and snapshot types of the simulator server (re-exported by index.ts).
 */
import type { LagStats } from './driver.js';
import type { FaultSpec, SimProfileInput } from './profiles.js';

/** Options of {@link startSim}. */
export interface SimOptions {
  /** TCP port; 0 (default) picks a free one */
  port?: number;
  /** bind address (default 127.0.0.1) */
  host?: string;
  /** seed of every random choice (default 1) */
  seed?: number;
  /** extra profiles (or overrides of built-in ones), by served model name */
  profiles?: Record<string, SimProfileInput>;
  /** profile used when a request has no `model` field (unknown models always get 404) */
  defaultProfile?: string;
  /** server-wide faults; a profile's own `faults` override them key by key */
  faults?: FaultSpec;
  /** serve only these model names (default: every resolved profile) */
  models?: string[];
  /**
   * serve vLLM's `POST /tokenize` and `POST /detokenize` (default true); false answers them 404 like a server
   * without a tokenizer API
   */
  tokenizeEndpoints?: boolean;
  /**
   * recognise the built-in eval suites' items and answer them by the profile's `accuracy` (default true; README
   * "Answer key"); false: every prompt gets synthetic text
   */
  answerKey?: boolean;
}

/** Per-model snapshot in {@link SimStats}. */
export interface SimModelStats {
  running: number;
  waiting: number;
  /** 0..1 */
  kvUsagePerc: number;
  promptTokens: number;
  generationTokens: number;
  preemptions: number;
  prefixHitTokens: number;
  steps: number;
}

/** Counters of the whole server (monotonic except `requestsActive`). */
export interface SimStats {
  requestsReceived: number;
  requestsActive: number;
  requestsCompleted: number;
  /** the client went away, or an injected disconnect */
  requestsAborted: number;
  /** 4xx answers (bad JSON, unknown model, too long...) */
  requestsRejected: number;
  /** injected 500/429/503 answers */
  requestsFaulted: number;
  /** output tokens handed to sockets */
  tokensEmitted: number;
  /** scheduler lag (how late due tokens were written), ms */
  lag: LagStats;
  models: Record<string, SimModelStats>;
}

/** A running simulator. */
export interface SimServer {
  /** e.g. http://127.0.0.1:41234 (no trailing slash) */
  url: string;
  port: number;
  /** Ends open streams (destroys their sockets) and stops the server. */
  close(): Promise<void>;
  stats(): SimStats;
}
