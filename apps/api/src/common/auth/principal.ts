/**
 * Who a request is made as, resolved once per request by the auth guard and kept on the Fastify request.
 * Modules read it with `@CurrentPrincipal()` (comments, run starts) or through the audit interceptor.
 */
import type { Role, TokenScope } from '@inferbench/contracts';

export type Principal =
  | {
      kind: 'user' | 'service' | 'bootstrap';
      /** user id; `token:<id>` for a service token; `bootstrap` */
      id: string;
      /** shown as author / actor: the user's e-mail, the service token's name */
      name: string;
      email: string | null;
      role: Role;
      /** what this request may do (a token's scope capped by its user's role) */
      scope: TokenScope;
      via: 'session' | 'token' | 'bootstrap';
      tokenId?: string;
    }
  | {
      kind: 'agent';
      /** `agent:<credential id>` */
      id: string;
      name: string;
      credentialId: string;
      /** the only pool whose jobs this credential may touch */
      pool: string;
      via: 'agent-credential';
    };

export type UserPrincipal = Extract<Principal, { kind: 'user' | 'service' | 'bootstrap' }>;

/** Where the guard keeps the principal on the (Fastify) request object. */
export const PRINCIPAL_KEY = 'inferbenchPrincipal';

export function principalOf(request: unknown): Principal | undefined {
  return (request as Record<string, Principal | undefined>)[PRINCIPAL_KEY];
}

export function setPrincipal(request: unknown, p: Principal): void {
  (request as Record<string, Principal>)[PRINCIPAL_KEY] = p;
}
