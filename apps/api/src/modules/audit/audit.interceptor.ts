import {
  Inject,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { from, mergeMap, type Observable } from 'rxjs';
import { principalOf } from '../../common/auth/principal.js';
import { LOGGER, type Logger } from '../../common/logging/logger.js';
import { AuditService } from './audit.service.js';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * APP_INTERCEPTOR: after every successful write made by a user, token or the bootstrap token, record it in the
 * audit log (before answering, so a client that reads the log right after sees its own write). A failed audit write
 * is logged, never turned into a failed request: the write it describes already happened.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'http') return next.handle();
    const req = ctx.switchToHttp().getRequest<FastifyRequest>();
    if (!WRITES.has(req.method)) return next.handle();
    const principal = principalOf(req);
    if (!principal || principal.kind === 'agent') return next.handle();
    return next.handle().pipe(
      mergeMap((result: unknown) =>
        from(
          this.audit
            .record({
              principal,
              method: req.method,
              route: req.routeOptions.url ?? req.url,
              path: req.url,
              params: (req.params ?? {}) as Record<string, string>,
              result,
            })
            .catch((err: unknown) => this.logger.error({ err, path: req.url }, 'cannot write the audit log'))
            .then(() => result),
        ),
      ),
    );
  }
}
