import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { scopeIncludes } from '@inferbench/contracts';
import { PUBLIC_ROUTE, REQUIRED_SCOPE, type RouteScope } from '../../common/auth/decorators.js';
import { principalOf, setPrincipal, type Principal } from '../../common/auth/principal.js';
import { defaultScopeFor } from '../../common/auth/scopes.js';
import { AppError } from '../../common/errors/app-error.js';
import { AuthService } from './auth.service.js';

/** Nest injection token: true only for in-process benchmarks that measure the guard's own cost (auth-overhead). */
export const AUTH_DISABLED = Symbol('AuthDisabled');

/** The scope a route needs: its `@RequireScope`, else the default from method and route pattern. */
export function requiredScope(
  reflector: Reflector,
  ctx: ExecutionContext,
  method: string,
  route: string,
): RouteScope {
  return (
    reflector.getAllAndOverride<RouteScope | undefined>(REQUIRED_SCOPE, [ctx.getHandler(), ctx.getClass()]) ??
    defaultScopeFor(method, route)
  );
}

/**
 * The global guard (APP_GUARD): every route needs a credential unless `@Public()`, and the credential's scope must
 * include the route's (`@RequireScope`, else `defaultScopeFor`). 401 without a valid credential, 403 with one whose
 * scope is too weak. Agent credentials open only `@RequireScope('agent')` routes, and nothing else opens those.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(AUTH_DISABLED) private readonly disabled: boolean,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [ctx.getHandler(), ctx.getClass()]))
      return true;
    const req = ctx.switchToHttp().getRequest<FastifyRequest>();
    if (this.disabled) {
      setPrincipal(req, {
        kind: 'bootstrap',
        id: 'bootstrap',
        name: 'auth disabled',
        email: null,
        role: 'admin',
        scope: 'admin',
        via: 'bootstrap',
      });
      return true;
    }
    let principal: Principal | null | undefined = principalOf(req);
    if (!principal) {
      principal = await this.auth.authenticate(req.headers);
      if (!principal) throw AppError.unauthorized();
      setPrincipal(req, principal);
    }
    const need = requiredScope(this.reflector, ctx, req.method, req.routeOptions.url ?? req.url);
    assertAllowed(principal, need);
    return true;
  }
}

export function assertAllowed(principal: Principal, need: RouteScope): void {
  if (need === 'agent') {
    if (principal.kind !== 'agent')
      throw AppError.forbidden('only an agent credential may call this route', { required: 'agent' });
    return;
  }
  if (principal.kind === 'agent')
    throw AppError.forbidden('an agent credential opens only the agent routes', { required: need });
  if (!scopeIncludes(principal.scope, need))
    throw AppError.forbidden(`this route needs scope '${need}'; the credential has '${principal.scope}'`, {
      required: need,
      scope: principal.scope,
    });
}
