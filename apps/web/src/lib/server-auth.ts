/**
 * Server only (imported by the root layout): server components call the API with the page request's cookie, so
 * prefetches run as the signed-in user. Kept out of lib/api.ts so client bundles never import `next/headers`.
 */
import { headers } from 'next/headers';
import { setServerRequestHeaders } from './api';

setServerRequestHeaders(async (): Promise<Record<string, string>> => {
  const h = await headers();
  const cookie = h.get('cookie');
  return cookie ? { cookie } : {};
});
