import { ApiClient } from '@inferbench/api-client';
import { serverEnv } from '../env';

/** Path of the same-origin proxy Route Handler (src/app/api/[...path]/route.ts). */
export const BROWSER_API_BASE = '/api';

let browserApi: ApiClient | undefined;

/**
 * The API client for wherever this code runs: on the server it calls API_URL directly; in the browser it
 * calls the same-origin proxy, so the API never needs CORS.
 */
export function getApi(): ApiClient {
  if (typeof window === 'undefined') return new ApiClient({ baseUrl: serverEnv().apiUrl });
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
