import type { LoggerService } from '@nestjs/common';
import { pino, type Logger } from 'pino';
import type { LogLevel } from '../../config.js';

/** Nest injection token of the root pino logger. */
export const LOGGER = Symbol('Logger');
export type { Logger };

/** The one pino logger of the process (JSON lines on stdout). */
export function createLogger(level: LogLevel): Logger {
  return pino({ level, base: { svc: 'api' } });
}

/** Routes Nest's own log calls (bootstrap, route mapping, exceptions) through pino. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}
