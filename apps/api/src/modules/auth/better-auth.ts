/**
 * The better-auth instance: email + password sign-in (Argon2id, public sign-up off: admins create users),
 * database sessions in PostgreSQL through its Prisma adapter (tables `user`, `session`, `account`, `verification`),
 * and optional OIDC sign-in (generic OAuth plugin, off unless OIDC_DISCOVERY_URL and OIDC_CLIENT_ID are set).
 * Mounted under `/auth/*` on the API's Fastify instance (app.ts); the dashboard reaches it through its proxy
 * at `/api/auth/*`, so the session cookie is first-party to the dashboard.
 */
import { createHmac } from 'node:crypto';
import { betterAuth } from 'better-auth';
import { prismaAdapter } from 'better-auth/adapters/prisma';
import { genericOAuth } from 'better-auth/plugins';
import type { PrismaClient } from '@inferbench/db';
import type { AppConfig } from '../../config.js';
import { hashPassword, verifyPassword } from './passwords.js';

export const AUTH_BASE_PATH = '/auth';
/** Set by the dashboard's proxy (apps/web src/lib/proxy.ts) to its own origin after checking the browser's. */
export const WEB_ORIGIN_HEADER = 'x-inferbench-web-origin';
/** The peer address of the request, for better-auth's sign-in rate limit (overwritten on every request). */
export const CLIENT_IP_HEADER = 'x-inferbench-client-ip';

export function createBetterAuth(prisma: PrismaClient, config: AppConfig) {
  const { auth } = config;
  return betterAuth({
    appName: 'inferbench',
    baseURL: auth.baseUrl,
    basePath: AUTH_BASE_PATH,
    // one secret for the deployment: better-auth's signing key is derived from SECRET_KEY
    secret: createHmac('sha256', config.secrets.key).update('inferbench-better-auth').digest('hex'),
    database: prismaAdapter(prisma, { provider: 'postgresql' }),
    emailAndPassword: {
      enabled: true,
      disableSignUp: true,
      minPasswordLength: 12,
      maxPasswordLength: 128,
      password: { hash: hashPassword, verify: ({ hash, password }) => verifyPassword(hash, password) },
    },
    session: { expiresIn: auth.sessionDays * 86_400, updateAge: 86_400 },
    user: {
      additionalFields: {
        // users created by an OIDC sign-in get OIDC_DEFAULT_ROLE; admins set roles through PATCH /users/:id
        role: {
          type: 'string',
          required: false,
          defaultValue: auth.oidc?.defaultRole ?? 'viewer',
          input: false,
        },
        disabledAt: { type: 'date', required: false, input: false },
      },
    },
    databaseHooks: {
      session: {
        create: {
          // a disabled account gets no new session
          before: async (session) => {
            const u = await prisma.user.findUnique({
              where: { id: session.userId },
              select: { disabledAt: true },
            });
            return u && u.disabledAt === null ? { data: session } : false;
          },
        },
      },
    },
    // The dashboard's proxy checks that a write comes from its own origin and names that origin in
    // WEB_ORIGIN_HEADER. A browser cannot send that header cross-origin to the API itself (no CORS here), so a
    // request carrying it came through the proxy, whose own check protects the session cookie from CSRF.
    trustedOrigins: (request) => [
      ...auth.trustedOrigins,
      request?.headers.get(WEB_ORIGIN_HEADER) ?? undefined,
    ],
    rateLimit: {
      enabled: true,
      storage: 'memory',
      window: 60,
      max: Math.max(auth.authRateLimitPerMinute * 5, 100),
      customRules: { '/sign-in/email': { window: 60, max: auth.authRateLimitPerMinute } },
    },
    telemetry: { enabled: false },
    advanced: {
      // origin and CSRF checks stay on in tests too (better-auth would skip them under NODE_ENV=test)
      disableOriginCheck: false,
      disableCSRFCheck: false,
      // the client address Fastify saw (set by auth-http.ts, never taken from the client)
      ipAddress: { ipAddressHeaders: [CLIENT_IP_HEADER] },
    },
    plugins: auth.oidc
      ? [
          genericOAuth({
            config: [
              {
                providerId: auth.oidc.providerId,
                discoveryUrl: auth.oidc.discoveryUrl,
                clientId: auth.oidc.clientId,
                ...(auth.oidc.clientSecret ? { clientSecret: auth.oidc.clientSecret } : {}),
                scopes: ['openid', 'email', 'profile'],
                pkce: true,
              },
            ],
          }),
        ]
      : [],
  });
}

export type BetterAuth = ReturnType<typeof createBetterAuth>;
