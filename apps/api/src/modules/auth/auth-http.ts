/**
 * Fastify-level pieces of authentication that sit outside Nest's router (app.ts installs them):
 * - better-auth's own endpoints under `/auth/*` (sign-in, sign-out, session, OIDC callbacks);
 * - the OpenAPI document (`/docs*`, served by @nestjs/swagger straight from Fastify) needs scope read;
 * - an `onRequest` check that refuses a request carrying a body but no credential at all before the body is read,
 *   so an anonymous client cannot make the API buffer large bodies;
 * - rate limits per client (@fastify/rate-limit): keyed by the credential when there is one, else by IP.
 */
import { createHash } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '../../config.js';
import { setPrincipal } from '../../common/auth/principal.js';
import { AppError } from '../../common/errors/app-error.js';
import { mapError } from '../../common/filters/all-exceptions.filter.js';
import type { Logger } from '../../common/logging/logger.js';
import { assertAllowed } from './auth.guard.js';
import type { AuthService } from './auth.service.js';
import { AUTH_BASE_PATH, CLIENT_IP_HEADER } from './better-auth.js';

/** Routes that never need a credential. Everything else answers 401 without one (see the route-guard test). */
export const OPEN_PATHS = new Set(['/health', '/ready']);
/** An anonymous request may carry at most this much body (sign-in forms); bigger ones are refused unread. */
const ANONYMOUS_BODY_LIMIT = 64 * 1024;
/** Request headers never forwarded to better-auth (fetch recomputes them; the body is re-serialized). */
const DROP = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'expect']);

function sendError(reply: FastifyReply, err: unknown, logger: Logger, requestId: string): FastifyReply {
  const { status, envelope } = mapError(err, logger, requestId);
  return reply.status(status).header('content-type', 'application/json; charset=utf-8').send(envelope);
}

function hasCredential(req: FastifyRequest): boolean {
  return (
    req.headers.authorization !== undefined || /better-auth\.session_token=/.test(req.headers.cookie ?? '')
  );
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

export async function installAuthHttp(
  fastify: FastifyInstance,
  auth: AuthService,
  config: AppConfig,
  logger: Logger,
  opts: { disabled: boolean },
): Promise<void> {
  if (config.auth.rateLimitPerMinute > 0) {
    await fastify.register(rateLimit, {
      global: true,
      max: config.auth.rateLimitPerMinute,
      timeWindow: 60_000,
      // one bucket per credential (hashed, never kept in clear), else per client address
      keyGenerator: (req) => {
        const cred =
          req.headers.authorization ??
          /better-auth\.session_token=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
        return cred ? createHash('sha256').update(cred).digest('base64url') : req.ip;
      },
      allowList: (req) => OPEN_PATHS.has(pathOf(req.url)),
      errorResponseBuilder: (_req, ctx) =>
        Object.assign(
          new AppError(
            'RATE_LIMITED',
            `rate limit exceeded: at most ${ctx.max} requests per minute; retry in ${ctx.after}`,
          ),
          {
            statusCode: 429,
          },
        ),
    });
  }

  fastify.addHook('onRequest', async (req, reply) => {
    if (opts.disabled) return;
    const path = pathOf(req.url);
    if (OPEN_PATHS.has(path) || path.startsWith(`${AUTH_BASE_PATH}/`)) return;
    const length = Number(req.headers['content-length'] ?? 0);
    if (
      !hasCredential(req) &&
      (length > ANONYMOUS_BODY_LIMIT || req.headers['transfer-encoding'] !== undefined)
    )
      return sendError(reply, AppError.unauthorized(), logger, req.id);
    if (path === '/docs' || path.startsWith('/docs/')) {
      // served by Fastify directly (no Nest guard): check here
      const principal = await auth.authenticate(req.headers);
      if (!principal) return sendError(reply, AppError.unauthorized(), logger, req.id);
      try {
        assertAllowed(principal, 'read');
      } catch (err) {
        return sendError(reply, err, logger, req.id);
      }
      setPrincipal(req, principal);
    }
    return undefined;
  });

  // better-auth's paths are one to three segments deep (`/auth/get-session`, `/auth/sign-in/email`,
  // `/auth/oauth2/callback/<provider>`); parametric routes rather than a wildcard keep them readable in the router's
  // route tree (printRoutes), which the route-guard test reads
  const handler = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined || DROP.has(k)) continue;
      headers.set(k, Array.isArray(v) ? v.join(', ') : String(v));
    }
    headers.set(CLIENT_IP_HEADER, req.ip);
    const hasBody = req.method !== 'GET' && req.body !== undefined && req.body !== null;
    if (hasBody && !headers.has('content-type')) headers.set('content-type', 'application/json');
    // base URL + path as is: AUTH_BASE_URL may carry a path (the dashboard's `/api`)
    const request = new Request(`${config.auth.baseUrl}${req.url}`, {
      method: req.method,
      headers,
      ...(hasBody ? { body: typeof req.body === 'string' ? req.body : JSON.stringify(req.body) } : {}),
    });
    const res = await auth.betterAuth.handler(request);
    if (res.ok && pathOf(req.url) === `${AUTH_BASE_PATH}/sign-out`) auth.forgetSession(req.headers.cookie);
    reply.status(res.status);
    res.headers.forEach((value, key) => {
      if (key !== 'set-cookie' && key !== 'content-length' && key !== 'content-encoding')
        reply.header(key, value);
    });
    const cookies = res.headers.getSetCookie();
    if (cookies.length) reply.header('set-cookie', cookies);
    const body = Buffer.from(await res.arrayBuffer());
    return reply.send(body.length ? body : null);
  };
  for (const url of ['/:a', '/:a/:b', '/:a/:b/:c'])
    fastify.route({ method: ['GET', 'POST'], url: `${AUTH_BASE_PATH}${url}`, handler });
}
