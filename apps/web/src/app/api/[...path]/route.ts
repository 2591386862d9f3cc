import { serverEnv } from '../../../env';
import { createApiProxy } from '../../../lib/proxy';

/** `/api/*` → API_URL, see lib/proxy.ts. Runs per request on Node (streams SSE through). */
export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

const proxy = createApiProxy(() => serverEnv().apiUrl);

export const GET = proxy;
export const HEAD = proxy;
export const POST = proxy;
export const PUT = proxy;
export const PATCH = proxy;
export const DELETE = proxy;
export const OPTIONS = proxy;
