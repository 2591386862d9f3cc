import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * `sha256=<hex>` of HMAC-SHA256 over `<timestamp>.<raw body>`: the timestamp is signed with the body, so a receiver
 * that rejects old timestamps (e.g. older than 5 minutes) cannot be fed a replayed delivery with a fresh timestamp.
 */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** A receiver's check (also what the docs show): constant-time comparison and a maximum age. */
export function verifyWebhook(
  secret: string,
  headers: { signature: string | undefined; timestamp: string | undefined },
  body: string,
  opts: { toleranceSec?: number; nowSec?: number } = {},
): boolean {
  const { signature, timestamp } = headers;
  if (!signature || !timestamp || !/^\d+$/.test(timestamp)) return false;
  const now = opts.nowSec ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(timestamp)) > (opts.toleranceSec ?? 300)) return false;
  const want = Buffer.from(signWebhook(secret, timestamp, body));
  const got = Buffer.from(signature);
  return want.length === got.length && timingSafeEqual(want, got);
}
