import { ApiClient } from '@inferbench/api-client';
import { serverEnv } from '../env';

/** Path of the same-origin proxy Route Handler (src/app/api/[...path]/route.ts). */
export const BROWSER_API_BASE = '/api';

let browserApi: ApiClient | undefined;

/** Headers of the page request being rendered (its cookie), set by lib/server-auth.ts (server only). */
let serverRequestHeaders: (() => Promise<Record<string, string>>) | undefined;

/**
 * Register how server components get the signed-in user's credential (the session cookie of the page request), so
 * their prefetches call the API as that user. Called once by `lib/server-auth.ts`, imported by the root layout.
 */
export function setServerRequestHeaders(fn: () => Promise<Record<string, string>>): void {
  serverRequestHeaders = fn;
}

/** On the server: fetch with the page request's cookie added. */
const serverFetch: typeof fetch = async (input, init) => {
  const extra: Record<string, string> =
    (await serverRequestHeaders?.().catch((): Record<string, string> => ({}))) ?? {};
  const headers = new Headers(init?.headers);
  for (const [k, v] of Object.entries(extra)) if (v && !headers.has(k)) headers.set(k, v);
  return fetch(input, { ...init, headers });
};

/**
 * The API client for wherever this code runs: on the server it calls API_URL directly, as the signed-in user (the
 * page request's session cookie); in the browser it calls the same-origin proxy, which forwards the cookie, so the
 * API never needs CORS.
 */
export function getApi(): ApiClient {
  if (typeof window === 'undefined')
    return new ApiClient({ baseUrl: serverEnv().apiUrl, fetch: serverFetch });
  browserApi ??= new ApiClient({ baseUrl: BROWSER_API_BASE });
  return browserApi;
}

const linkApi = new ApiClient({ baseUrl: BROWSER_API_BASE });

/** Download link for a load point's raw samples, through the proxy (same on server and browser render). */
export function samplesDownloadUrl(loadPointId: string, format: 'jsonl' | 'csv'): string {
  return linkApi.samplesUrl(loadPointId, format);
}

/** Download link for an imported run's original file, through the proxy. */
export function importFileDownloadUrl(runId: string): string {
  return linkApi.importFileUrl(runId);
}
