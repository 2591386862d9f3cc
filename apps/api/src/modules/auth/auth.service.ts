import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import {
  formatAgentToken,
  parseAgentToken,
  ROLE_MAX_SCOPE,
  RoleSchema,
  scopeIncludes,
  TokenScopeSchema,
  type AgentAuth,
  type AgentCredential,
  type AgentCredentialList,
  type ApiToken,
  type ApiTokenList,
  type CreateAgentCredentialRequest,
  type CreatedAgentCredential,
  type CreatedApiToken,
  type CreatedUser,
  type CreateUserRequest,
  type Me,
  type Role,
  type TokenScope,
  type UpdateUserRequest,
  type User,
  type UserList,
  type CreateApiTokenRequest,
} from '@inferbench/contracts';
import { CONFIG, type AppConfig } from '../../config.js';
import { deriveAgentSecret, safeEqual } from '../../common/auth/agent-signature.js';
import type { Principal, UserPrincipal } from '../../common/auth/principal.js';
import { AppError, withPrismaErrors } from '../../common/errors/app-error.js';
import { LOGGER, type Logger } from '../../common/logging/logger.js';
import { PrismaService } from '../../infra/prisma/prisma.service.js';
import {
  AuthRepository,
  type AgentCredentialRow,
  type ApiTokenRow,
  type UserRow,
} from './auth.repository.js';
import { createBetterAuth, type BetterAuth } from './better-auth.js';
import { hashPassword } from './passwords.js';
import { TtlCache } from './ttl-cache.js';

/** API tokens: `ib_` + 32 random bytes (base64url). Stored as their SHA-256 (hex). */
const TOKEN_PREFIX = 'ib_';
/** how long a resolved token / session / agent credential is trusted without asking PostgreSQL again */
const CACHE_TTL_MS = 10_000;
/** lastUsedAt is written at most this often per token */
const TOUCH_EVERY_MS = 60_000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

type HeaderBag = Record<string, string | string[] | undefined>;

function header(h: HeaderBag, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The value of better-auth's session cookie (any prefix, `__Secure-` included), or undefined. */
function sessionCookie(cookie: string | undefined): string | undefined {
  if (!cookie) return undefined;
  const m = /(?:^|;\s*)(?:__Secure-)?better-auth\.session_token=([^;]+)/.exec(cookie);
  return m?.[1];
}

function toRole(s: string): Role {
  const r = RoleSchema.safeParse(s);
  return r.success ? r.data : 'viewer';
}

function minScope(a: TokenScope, b: TokenScope): TokenScope {
  return scopeIncludes(a, b) ? b : a;
}

export function toUser(r: UserRow): User {
  return {
    id: r.id,
    email: r.email,
    name: r.name,
    role: toRole(r.role),
    disabled: r.disabledAt !== null,
    createdAt: r.createdAt.toISOString(),
  };
}

function toApiToken(r: ApiTokenRow): ApiToken {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind === 'service' ? 'service' : 'personal',
    userId: r.userId,
    userEmail: r.user?.email ?? null,
    scope: TokenScopeSchema.catch('read').parse(r.scope),
    prefix: r.prefix,
    createdAt: r.createdAt.toISOString(),
    expiresAt: r.expiresAt?.toISOString() ?? null,
    lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
    revokedAt: r.revokedAt?.toISOString() ?? null,
  };
}

function toAgentCredential(r: AgentCredentialRow): AgentCredential {
  return {
    id: r.id,
    pool: r.pool,
    name: r.name,
    createdAt: r.createdAt.toISOString(),
    lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
    revokedAt: r.revokedAt?.toISOString() ?? null,
  };
}

function randomPassword(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * Accounts and credentials: who a request is (session cookie, API token, bootstrap token, agent credential),
 * users, API tokens, agent credentials, and the first-run admin. Resolved credentials are cached for
 * {@link CACHE_TTL_MS} so the per-request check stays far below a millisecond; revoking through this process drops
 * its cache entries at once (another API process notices within the TTL).
 */
@Injectable()
export class AuthService implements OnApplicationBootstrap {
  readonly betterAuth: BetterAuth;
  private readonly tokens = new TtlCache<string, { row: ApiTokenRow } | null>(CACHE_TTL_MS);
  private readonly sessions = new TtlCache<string, Principal | null>(CACHE_TTL_MS);
  private readonly agentCreds = new TtlCache<string, AgentCredentialRow | null>(CACHE_TTL_MS);
  private readonly touched = new Map<string, number>();

  constructor(
    @Inject(AuthRepository) private readonly repo: AuthRepository,
    @Inject(PrismaService) prisma: PrismaService,
    @Inject(CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.betterAuth = createBetterAuth(prisma.client, config);
  }

  /** First run: with INFERBENCH_ADMIN_EMAIL set and no user yet, create that admin (random password logged once). */
  async onApplicationBootstrap(): Promise<void> {
    const admin = this.config.auth.admin;
    if (!admin || (await this.repo.countUsers()) > 0) return;
    const created = await this.createUser({ email: admin.email, role: 'admin', password: admin.password });
    if (created.password) {
      this.logger.warn(
        { email: created.user.email },
        `first run: created admin ${created.user.email} with the one-time password ${created.password} — sign in and change it`,
      );
    } else {
      this.logger.info(
        { email: created.user.email },
        'first run: created the admin from INFERBENCH_ADMIN_EMAIL',
      );
    }
  }

  // ------------------------------------------------------------------------------------------------
  // Who is calling

  /** The principal of a request's headers; null when it carries no valid credential. */
  async authenticate(headers: HeaderBag): Promise<Principal | null> {
    const authz = header(headers, 'authorization');
    if (authz !== undefined) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(authz);
      return m ? this.fromBearer(m[1]!) : null;
    }
    const session = sessionCookie(header(headers, 'cookie'));
    return session ? this.fromSession(session, headers) : null;
  }

  private async fromBearer(token: string): Promise<Principal | null> {
    const boot = this.config.auth.bootstrapToken;
    if (boot !== undefined && safeEqual(token, boot)) {
      return {
        kind: 'bootstrap',
        id: 'bootstrap',
        name: 'bootstrap',
        email: null,
        role: 'admin',
        scope: 'admin',
        via: 'bootstrap',
      };
    }
    if (token.startsWith('ibagent.')) return this.fromAgentToken(token);
    if (!token.startsWith(TOKEN_PREFIX)) return null;
    const h = hashToken(token);
    let cached = this.tokens.get(h);
    if (cached === undefined) {
      const row = await this.repo.findTokenByHash(h);
      cached = row ? { row } : null;
      this.tokens.set(h, cached);
    }
    if (!cached) return null;
    const { row } = cached;
    const now = Date.now();
    if (row.revokedAt || (row.expiresAt && row.expiresAt.getTime() <= now)) return null;
    this.touch(row.id, now);
    const tokenScope = TokenScopeSchema.catch('read').parse(row.scope);
    if (row.kind === 'service' || !row.user) {
      if (row.kind !== 'service') return null; // a personal token whose user is gone
      return {
        kind: 'service',
        id: `token:${row.id}`,
        name: row.name,
        email: null,
        role: tokenScope === 'admin' ? 'admin' : tokenScope === 'read' ? 'viewer' : 'editor',
        scope: tokenScope,
        via: 'token',
        tokenId: row.id,
      };
    }
    if (row.user.disabledAt) return null;
    const role = toRole(row.user.role);
    return {
      kind: 'user',
      id: row.user.id,
      name: row.user.email,
      email: row.user.email,
      role,
      scope: minScope(tokenScope, ROLE_MAX_SCOPE[role]),
      via: 'token',
      tokenId: row.id,
    };
  }

  private touch(tokenId: string, now: number): void {
    if (now - (this.touched.get(tokenId) ?? 0) < TOUCH_EVERY_MS) return;
    this.touched.set(tokenId, now);
    void this.repo
      .touchToken(tokenId, new Date(now))
      .catch((err: unknown) => this.logger.warn({ err, tokenId }, 'cannot record a token use'));
  }

  private async fromSession(cookieValue: string, headers: HeaderBag): Promise<Principal | null> {
    const cached = this.sessions.get(cookieValue);
    if (cached !== undefined) return cached;
    const h = new Headers();
    const cookie = header(headers, 'cookie');
    if (cookie) h.set('cookie', cookie);
    let principal: Principal | null = null;
    try {
      const s = await this.betterAuth.api.getSession({ headers: h });
      if (s?.user) {
        const u = s.user as {
          id: string;
          email: string;
          name: string;
          role?: string;
          disabledAt?: Date | null;
        };
        if (!u.disabledAt) {
          const role = toRole(u.role ?? 'viewer');
          principal = {
            kind: 'user',
            id: u.id,
            name: u.email,
            email: u.email,
            role,
            scope: ROLE_MAX_SCOPE[role],
            via: 'session',
          };
        }
      }
    } catch (err) {
      this.logger.warn({ err }, 'session lookup failed');
      return null;
    }
    this.sessions.set(cookieValue, principal);
    return principal;
  }

  /** Drop a session from the cache at once (sign-out), instead of trusting it until the cache entry expires. */
  forgetSession(cookieHeader: string | undefined): void {
    const value = sessionCookie(cookieHeader);
    if (value) this.sessions.set(value, null);
  }

  private async fromAgentToken(token: string): Promise<Principal | null> {
    const parts = parseAgentToken(token);
    if (!parts) return null;
    const expected = deriveAgentSecret(this.config.secrets.key, parts.credentialId, parts.pool);
    if (!safeEqual(expected, parts.secret)) return null;
    if (!(await this.isAgentCredentialActive(parts.credentialId, parts.pool))) return null;
    return {
      kind: 'agent',
      id: `agent:${parts.credentialId}`,
      name: `agent credential ${parts.credentialId} (pool ${parts.pool})`,
      credentialId: parts.credentialId,
      pool: parts.pool,
      via: 'agent-credential',
    };
  }

  /** true when the credential exists, is not revoked and belongs to `pool` (cached; records its last use). */
  async isAgentCredentialActive(credentialId: string, pool: string): Promise<boolean> {
    let row = this.agentCreds.get(credentialId);
    if (row === undefined) {
      row = await this.repo.findAgentCredential(credentialId);
      this.agentCreds.set(credentialId, row);
      if (row && !row.revokedAt) {
        void this.repo
          .touchAgentCredential(credentialId, new Date())
          .catch((err: unknown) => this.logger.warn({ err }, 'cannot record an agent credential use'));
      }
    }
    return row !== null && row.revokedAt === null && row.pool === pool;
  }

  /** A signed agent object's credential is live (its MAC is checked by the caller with agent-signature.ts). */
  acceptsAgentAuth(auth: AgentAuth): Promise<boolean> {
    return this.isAgentCredentialActive(auth.cred, auth.pool);
  }

  me(p: UserPrincipal): Me {
    return { kind: p.kind, id: p.id, name: p.name, email: p.email, role: p.role, scope: p.scope, via: p.via };
  }

  // ------------------------------------------------------------------------------------------------
  // Users

  async listUsers(): Promise<UserList> {
    return { items: (await this.repo.listUsers()).map(toUser) };
  }

  async createUser(body: CreateUserRequest): Promise<CreatedUser> {
    const generated = body.password === undefined ? randomPassword() : undefined;
    const password = body.password ?? generated!;
    const email = body.email.trim().toLowerCase();
    const row = await withPrismaErrors('user', async () =>
      this.repo.createUser({
        id: randomBytes(16).toString('hex'),
        email,
        name: body.name ?? email.split('@')[0]!,
        role: body.role ?? 'viewer',
        passwordHash: await hashPassword(password),
      }),
    ).catch((err: unknown) => {
      if (err instanceof AppError && err.code === 'CONFLICT')
        throw AppError.conflict(`a user with the e-mail ${email} already exists`);
      throw err;
    });
    return { user: toUser(row), ...(generated ? { password: generated } : {}) };
  }

  async updateUser(id: string, body: UpdateUserRequest, actor: UserPrincipal): Promise<User> {
    const current = await this.repo.findUser(id);
    if (!current) throw AppError.notFound('user', id);
    const demotes = body.role !== undefined && body.role !== 'admin';
    if (current.role === 'admin' && (demotes || body.disabled === true)) {
      const otherAdmins = (await this.repo.listUsers()).filter(
        (u) => u.role === 'admin' && u.disabledAt === null && u.id !== id,
      );
      if (otherAdmins.length === 0)
        throw AppError.conflict('the last enabled admin cannot be demoted or disabled');
    }
    if (actor.kind === 'user' && actor.id === id && body.disabled === true)
      throw AppError.conflict('you cannot disable your own account');
    const row = await this.repo.updateUser(id, {
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(body.role !== undefined ? { role: body.role } : {}),
      ...(body.disabled !== undefined ? { disabledAt: body.disabled ? new Date() : null } : {}),
      ...(body.password !== undefined ? { passwordHash: await hashPassword(body.password) } : {}),
    });
    // role, disabled state and tokens of this user are re-read on the next request
    this.tokens.clear();
    this.sessions.clear();
    return toUser(row);
  }

  // ------------------------------------------------------------------------------------------------
  // API tokens

  async listTokens(): Promise<ApiTokenList> {
    return { items: (await this.repo.listTokens()).map(toApiToken) };
  }

  async createToken(body: CreateApiTokenRequest, actor: UserPrincipal): Promise<CreatedApiToken> {
    const kind = body.kind ?? 'personal';
    const scope = body.scope ?? 'read';
    const expiresInDays = body.expiresInDays === undefined ? 90 : body.expiresInDays;
    let userId: string | null = null;
    if (kind === 'personal') {
      userId = body.userId ?? (actor.kind === 'user' ? actor.id : null);
      if (!userId)
        throw AppError.validation([
          {
            path: 'userId',
            message: 'a personal token needs a user: give userId, or create a service token',
          },
        ]);
      const user = await this.repo.findUser(userId);
      if (!user) throw AppError.validation([{ path: 'userId', message: `user '${userId}' not found` }]);
      const max = ROLE_MAX_SCOPE[toRole(user.role)];
      if (!scopeIncludes(max, scope))
        throw AppError.validation([
          { path: 'scope', message: `a ${user.role} may hold tokens up to scope '${max}', not '${scope}'` },
        ]);
    } else if (body.userId !== undefined) {
      throw AppError.validation([{ path: 'userId', message: 'a service token belongs to no user' }]);
    }
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const row = await this.repo.createToken({
      name: body.name,
      kind,
      userId,
      scope,
      tokenHash: hashToken(token),
      prefix: token.slice(0, 10),
      createdById: actor.kind === 'user' ? actor.id : null,
      expiresAt: expiresInDays === null ? null : new Date(Date.now() + expiresInDays * 86_400_000),
    });
    return { token, info: toApiToken(row) };
  }

  async revokeToken(id: string): Promise<ApiToken> {
    const row = await withPrismaErrors('token', () => this.repo.revokeToken(id));
    this.tokens.deleteWhere((v) => v?.row.id === id);
    return toApiToken(row);
  }

  // ------------------------------------------------------------------------------------------------
  // Agent credentials

  async listAgentCredentials(): Promise<AgentCredentialList> {
    return { items: (await this.repo.listAgentCredentials()).map(toAgentCredential) };
  }

  async createAgentCredential(
    body: CreateAgentCredentialRequest,
    actor: UserPrincipal,
  ): Promise<CreatedAgentCredential> {
    const row = await this.repo.createAgentCredential({
      pool: body.pool ?? 'default',
      name: body.name ?? 'agent',
      createdById: actor.kind === 'user' ? actor.id : null,
    });
    const secret = deriveAgentSecret(this.config.secrets.key, row.id, row.pool);
    return {
      token: formatAgentToken({ credentialId: row.id, pool: row.pool, secret }),
      info: toAgentCredential(row),
    };
  }

  async revokeAgentCredential(id: string): Promise<AgentCredential> {
    const row = await withPrismaErrors('agent credential', () => this.repo.revokeAgentCredential(id));
    this.agentCreds.set(id, row);
    return toAgentCredential(row);
  }
}
