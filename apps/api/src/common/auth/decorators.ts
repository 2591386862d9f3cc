/**
 * Route decorators of the global auth guard (`modules/auth/auth.guard.ts`):
 * - `@Public()`: no credential needed (only `/health` and `/ready` use it);
 * - `@RequireScope('admin')`: an explicit scope instead of the default from method and path (`scopes.ts`);
 *   `'agent'`: only an agent credential (never a user or token) may call it;
 * - `@CurrentPrincipal()`: the caller, as a handler parameter.
 */
import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { TokenScope } from '@inferbench/contracts';
import { principalOf, type Principal } from './principal.js';

export const PUBLIC_ROUTE = 'inferbench:public';
export const REQUIRED_SCOPE = 'inferbench:scope';

export type RouteScope = TokenScope | 'agent';

export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);
export const RequireScope = (scope: RouteScope): MethodDecorator & ClassDecorator =>
  SetMetadata(REQUIRED_SCOPE, scope);

export const CurrentPrincipal = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Principal | undefined => principalOf(ctx.switchToHttp().getRequest()),
);
