/**
 * The auth module's tables: `user` and `account` (shared with better-auth, which also owns `session` and
 * `verification`), ApiToken and AgentCredential. Only this repository and better-auth's adapter touch them.
 */
import { Inject, Injectable } from '@nestjs/common';
import { PrismaService } from '../../infra/prisma/prisma.service.js';

export interface UserRow {
  id: string;
  email: string;
  name: string;
  role: string;
  disabledAt: Date | null;
  createdAt: Date;
}

export interface ApiTokenRow {
  id: string;
  name: string;
  kind: string;
  userId: string | null;
  scope: string;
  prefix: string;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  user: UserRow | null;
}

export interface AgentCredentialRow {
  id: string;
  pool: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const USER = { id: true, email: true, name: true, role: true, disabledAt: true, createdAt: true } as const;
const TOKEN = {
  id: true,
  name: true,
  kind: true,
  userId: true,
  scope: true,
  prefix: true,
  createdAt: true,
  expiresAt: true,
  lastUsedAt: true,
  revokedAt: true,
  user: { select: USER },
} as const;

@Injectable()
export class AuthRepository {
  constructor(@Inject(PrismaService) private readonly prisma: PrismaService) {}

  private get db() {
    return this.prisma.client;
  }

  countUsers(): Promise<number> {
    return this.db.user.count();
  }

  listUsers(): Promise<UserRow[]> {
    return this.db.user.findMany({ select: USER, orderBy: { createdAt: 'asc' } });
  }

  findUser(id: string): Promise<UserRow | null> {
    return this.db.user.findUnique({ where: { id }, select: USER });
  }

  /** A user and their password (`account` row of provider `credential`), in one transaction. */
  async createUser(data: {
    id: string;
    email: string;
    name: string;
    role: string;
    passwordHash: string;
  }): Promise<UserRow> {
    return this.prisma.transaction(async (tx) => {
      const user = await tx.user.create({
        data: { id: data.id, email: data.email, name: data.name, role: data.role, emailVerified: true },
        select: USER,
      });
      await tx.account.create({
        data: {
          id: `${data.id}-credential`,
          accountId: data.id,
          providerId: 'credential',
          userId: data.id,
          password: data.passwordHash,
        },
      });
      return user;
    });
  }

  async updateUser(
    id: string,
    data: { name?: string; role?: string; disabledAt?: Date | null; passwordHash?: string },
  ): Promise<UserRow> {
    return this.prisma.transaction(async (tx) => {
      const { passwordHash, ...fields } = data;
      const user = await tx.user.update({ where: { id }, data: fields, select: USER });
      if (passwordHash !== undefined) {
        const updated = await tx.account.updateMany({
          where: { userId: id, providerId: 'credential' },
          data: { password: passwordHash },
        });
        if (updated.count === 0) {
          await tx.account.create({
            data: {
              id: `${id}-credential`,
              accountId: id,
              providerId: 'credential',
              userId: id,
              password: passwordHash,
            },
          });
        }
      }
      // a disabled user's sessions end now
      if (data.disabledAt) await tx.session.deleteMany({ where: { userId: id } });
      return user;
    });
  }

  createToken(data: {
    name: string;
    kind: string;
    userId: string | null;
    scope: string;
    tokenHash: string;
    prefix: string;
    createdById: string | null;
    expiresAt: Date | null;
  }): Promise<ApiTokenRow> {
    return this.db.apiToken.create({ data, select: TOKEN });
  }

  listTokens(): Promise<ApiTokenRow[]> {
    return this.db.apiToken.findMany({ select: TOKEN, orderBy: { createdAt: 'desc' } });
  }

  findTokenByHash(tokenHash: string): Promise<ApiTokenRow | null> {
    return this.db.apiToken.findUnique({ where: { tokenHash }, select: TOKEN });
  }

  revokeToken(id: string): Promise<ApiTokenRow> {
    return this.db.apiToken.update({ where: { id }, data: { revokedAt: new Date() }, select: TOKEN });
  }

  async touchToken(id: string, at: Date): Promise<void> {
    await this.db.apiToken.updateMany({ where: { id }, data: { lastUsedAt: at } });
  }

  createAgentCredential(data: {
    pool: string;
    name: string;
    createdById: string | null;
  }): Promise<AgentCredentialRow> {
    return this.db.agentCredential.create({ data });
  }

  listAgentCredentials(): Promise<AgentCredentialRow[]> {
    return this.db.agentCredential.findMany({ orderBy: { createdAt: 'desc' } });
  }

  findAgentCredential(id: string): Promise<AgentCredentialRow | null> {
    return this.db.agentCredential.findUnique({ where: { id } });
  }

  revokeAgentCredential(id: string): Promise<AgentCredentialRow> {
    return this.db.agentCredential.update({ where: { id }, data: { revokedAt: new Date() } });
  }

  async touchAgentCredential(id: string, at: Date): Promise<void> {
    await this.db.agentCredential.updateMany({ where: { id }, data: { lastUsedAt: at } });
  }
}
