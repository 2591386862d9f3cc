import { Global, Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthController } from './auth.controller.js';
import { AUTH_DISABLED, AuthGuard } from './auth.guard.js';
import { AuthRepository } from './auth.repository.js';
import { AuthService } from './auth.service.js';

/**
 * Accounts and credentials (issue 12): better-auth (sessions, email + password, optional OIDC) on the `user`,
 * `session`, `account` and `verification` tables, API tokens, agent credentials, and the global guard every
 * route passes through. Global, so the ingest worker and the agents' secret route can check agent credentials.
 */
@Global()
@Module({})
export class AuthModule {
  static forRoot(opts: { disabled?: boolean } = {}): DynamicModule {
    return {
      module: AuthModule,
      controllers: [AuthController],
      providers: [
        AuthRepository,
        AuthService,
        { provide: AUTH_DISABLED, useValue: opts.disabled === true },
        { provide: APP_GUARD, useClass: AuthGuard },
      ],
      exports: [AuthService],
    };
  }
}
