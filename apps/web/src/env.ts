/**
 * Server-only configuration of the dashboard. Read once, on the server (Route Handlers and server
 * components); the browser never sees API_URL because it talks to the same-origin proxy at `/api`.
 */
const DEFAULT_API_URL = 'http://127.0.0.1:4000';

export interface ServerEnv {
  /** Base URL of the inferbench API, without a trailing slash. */
  apiUrl: string;
}

function parseServerEnv(env: NodeJS.ProcessEnv): ServerEnv {
  const raw = env.API_URL?.trim() || DEFAULT_API_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`API_URL must be an absolute http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`API_URL must use http or https, got "${raw}"`);
  }
  return { apiUrl: raw.replace(/\/+$/, '') };
}

let cached: ServerEnv | undefined;

/** Parsed server env; throws with a readable message when API_URL is malformed. */
export function serverEnv(): ServerEnv {
  cached ??= parseServerEnv(process.env);
  return cached;
}
