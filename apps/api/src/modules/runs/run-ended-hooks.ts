import { Inject, Injectable } from '@nestjs/common';
import type { RunStatus } from '@inferbench/contracts';
import { LOGGER, type Logger } from '../../common/logging/logger.js';

export type RunEndedListener = (runId: string, status: RunStatus) => Promise<void>;

/**
 * Listeners told when a run reaches a terminal status (completed, failed, cancelled), after the status is stored and
 * published. Modules that depend on runs (webhooks) register here, so runs never imports them. A listener's error is
 * logged and never affects the run.
 */
@Injectable()
export class RunEndedHooks {
  private readonly listeners: RunEndedListener[] = [];

  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  register(listener: RunEndedListener): void {
    this.listeners.push(listener);
  }

  async notify(runId: string, status: RunStatus): Promise<void> {
    for (const l of this.listeners) {
      try {
        await l(runId, status);
      } catch (err) {
        this.logger.error({ err, runId }, 'a run-ended listener failed');
      }
    }
  }
}
