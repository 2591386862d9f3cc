/**
 * The scope a route needs when it carries no `@RequireScope`: derived from its method and path, so routes added by
 * other modules are covered without any change here.
 *
 * - `DELETE` anything → admin; any method under `/users`, `/tokens`, `/agent-credentials` → admin;
 * - `POST` that starts or stops work (`…/runs`, `…/cancel`, `…/evals`, `…/evaluate`) → run;
 * - `GET` / `HEAD` → read;
 * - every other write (`POST`, `PUT`, `PATCH`) → write.
 */
import type { TokenScope } from '@inferbench/contracts';

const ADMIN_PREFIXES = ['/users', '/tokens', '/agent-credentials'];
const RUN_SUFFIXES = ['/runs', '/cancel', '/evals', '/evaluate'];

/** `path` is the route pattern (`/runs/:id/cancel`) or a concrete URL path; a query string is ignored. */
export function defaultScopeFor(method: string, path: string): TokenScope {
  const m = method.toUpperCase();
  const p = (path.split('?')[0] ?? '/').replace(/\/+$/, '') || '/';
  if (ADMIN_PREFIXES.some((a) => p === a || p.startsWith(`${a}/`))) return 'admin';
  if (m === 'DELETE') return 'admin';
  if (m === 'GET' || m === 'HEAD' || m === 'OPTIONS') return 'read';
  if (m === 'POST' && RUN_SUFFIXES.some((s) => p.endsWith(s))) return 'run';
  return 'write';
}
