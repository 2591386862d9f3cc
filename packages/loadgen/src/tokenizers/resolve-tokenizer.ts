import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { ApiKind, TokenizerInfo, TokenizerSetting } from '@inferbench/contracts';
import { endpointUrl } from '../client/request-body.js';
import type { Tokenizer } from '../ports.js';
import { createRng } from '../strategies/rng.js';
import { generateWords } from '../workloads/word-stream.js';
import { createTokenizer } from './create-tokenizer.js';
import { ServerTokenizer, detectTokenizeEndpoint, serverOrigin } from './server-tokenizer.js';

/** What {@link resolveTargetTokenizer} needs to know about a target. */
export interface TokenizerTarget {
  baseUrl: string;
  model: string;
  apiKind: ApiKind;
  headers?: Record<string, string>;
  apiKey?: string;
  tokenizer?: TokenizerSetting;
}

export interface ResolveTokenizerOptions {
  /** folder searched for `<dir>/<model>/tokenizer.json` (model names may contain `/`) under `auto` */
  tokenizerDir?: string;
  /** send one probe request (max_tokens 1) to measure the template overhead; default true */
  probeTemplate?: boolean;
  timeoutMs?: number;
}

/** A tokenizer for one target and how it was chosen. */
export interface ResolvedTokenizer {
  tokenizer: Tokenizer;
  info: TokenizerInfo;
  /** the server-backed tokenizer, when that is what is used (to learn pending units between points) */
  server?: ServerTokenizer;
  /** wall time spent detecting, learning and probing, ms */
  resolveMs: number;
}

/** Canonical string of a setting (`auto`, `o200k_base`, `cl100k_base`, `hf:<path>`). */
export function tokenizerSettingString(s: TokenizerSetting | undefined): string {
  if (s === undefined) return 'auto';
  return typeof s === 'string' ? s : `hf:${s.path}`;
}

/** Parses a CLI/env string (`auto`, `o200k_base`, `cl100k_base`, `hf:/path` or a path to a tokenizer.json). */
export function parseTokenizerSetting(s: string): TokenizerSetting {
  if (s === 'auto' || s === 'o200k_base' || s === 'cl100k_base') return s;
  if (s.startsWith('hf:')) return { path: s.slice(3) };
  if (s.endsWith('.json')) return { path: s };
  throw new Error(
    `unknown tokenizer "${s}" (expected auto, o200k_base, cl100k_base or hf:/path/tokenizer.json)`,
  );
}

const cache = new Map<string, Promise<ResolvedTokenizer>>();

/** Forgets every cached resolution (tests). */
export function clearTokenizerCache(): void {
  cache.clear();
}

/**
 * The tokenizer for a target, resolved once per (server, model, setting, folder) and cached (a failed resolution
 * is not cached). `auto`: the server's tokenize endpoint (its units learned, word-additivity checked on sample
 * texts), else `<tokenizerDir>/<model>/tokenizer.json`, else `o200k_base` marked approximate with a warning.
 * Under any setting, a probe request measures the template overhead: server `prompt_tokens` − content tokens.
 */
export function resolveTargetTokenizer(
  target: TokenizerTarget,
  opts: ResolveTokenizerOptions = {},
): Promise<ResolvedTokenizer> {
  const setting = tokenizerSettingString(target.tokenizer);
  const key = JSON.stringify([
    serverOrigin(target.baseUrl),
    target.model,
    target.apiKind,
    setting,
    opts.tokenizerDir ?? '',
  ]);
  let p = cache.get(key);
  if (!p) {
    p = resolveUncached(target, setting, opts);
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}

async function resolveUncached(
  target: TokenizerTarget,
  setting: string,
  opts: ResolveTokenizerOptions,
): Promise<ResolvedTokenizer> {
  const t0 = performance.now();
  let tokenizer: Tokenizer;
  let server: ServerTokenizer | undefined;
  let info: TokenizerInfo;
  if (setting !== 'auto') {
    tokenizer = await createTokenizer(setting);
    info = {
      setting,
      name: tokenizer.name,
      source: setting.startsWith('hf:') ? 'file' : 'builtin',
      approximate: false,
    };
  } else {
    const tried: string[] = [];
    const endpoint = await detectTokenizeEndpoint(target, opts.timeoutMs);
    if (endpoint) {
      const fallback = await createTokenizer('o200k_base');
      const st = await ServerTokenizer.create(endpoint, fallback);
      const rng = createRng(0x70c1);
      const check = await st.checkAdditivity([0, 1, 2].map(() => ' ' + generateWords(rng, 300)));
      if (check.mismatches === 0) {
        tokenizer = server = st;
        info = { setting, name: st.name, source: 'server', engine: endpoint.engine, approximate: false };
      } else {
        tried.push(
          `${endpoint.url} (${endpoint.engine}) counts text differently from the sum of its words (${check.example?.server} vs ${check.example?.table})`,
        );
      }
    } else {
      tried.push(`no tokenize endpoint at ${serverOrigin(target.baseUrl)}/tokenize`);
    }
    if (!info!) {
      const file = opts.tokenizerDir ? join(opts.tokenizerDir, target.model, 'tokenizer.json') : undefined;
      if (file && (await exists(file))) {
        tokenizer = await createTokenizer(`hf:${file}`);
        info = { setting, name: tokenizer.name, source: 'file', approximate: false };
      } else {
        if (file) tried.push(`no ${file}`);
        tokenizer = await createTokenizer('o200k_base');
        info = {
          setting,
          name: tokenizer.name,
          source: 'builtin',
          approximate: true,
          warning: `tokenizer: using o200k_base, not ${target.model}'s own (${tried.join('; ')}): prompt lengths and client-side token counts are approximate`,
        };
      }
    }
  }
  if (opts.probeTemplate !== false) {
    const overhead = await probeTemplateOverhead(target, tokenizer!, opts.timeoutMs ?? 10_000).catch(
      () => undefined,
    );
    if (overhead !== undefined) info!.templateOverheadTokens = overhead;
  }
  return {
    tokenizer: tokenizer!,
    info: info!,
    ...(server ? { server } : {}),
    resolveMs: performance.now() - t0,
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Text of the probe: 16 ordinary words. */
const PROBE_TEXT = ' the river was quiet and the engine of the old city came slowly toward the morning';

/**
 * One request with max_tokens 1 (not streamed) whose `usage.prompt_tokens` minus the content's token count is the
 * overhead the server adds to a one-message request (chat template, BOS). Undefined when the server sends no usage.
 */
export async function probeTemplateOverhead(
  target: TokenizerTarget,
  tokenizer: Tokenizer,
  timeoutMs = 10_000,
): Promise<number | undefined> {
  const chat = target.apiKind === 'chat';
  const body = chat
    ? { model: target.model, messages: [{ role: 'user', content: PROBE_TEXT }], max_tokens: 1, stream: false }
    : { model: target.model, prompt: PROBE_TEXT, max_tokens: 1, stream: false };
  // the same endpoint the load goes to (a base URL with or without `/v1`)
  const res = await fetch(endpointUrl(target.baseUrl, target.apiKind), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(target.apiKey ? { authorization: `Bearer ${target.apiKey}` } : {}),
      ...target.headers,
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) return undefined;
  const json = (await res.json()) as { usage?: { prompt_tokens?: unknown } };
  const p = json.usage?.prompt_tokens;
  if (typeof p !== 'number') return undefined;
  return p - tokenizer.count(PROBE_TEXT);
}
