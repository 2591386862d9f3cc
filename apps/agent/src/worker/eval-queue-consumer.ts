import { UnrecoverableError } from 'bullmq';
import { isJobOn, type JobHandlers } from '@inferbench/contracts';
import { MalformedJobError } from './load-point-processor.js';

/**
 * The BullMQ processor of an agent pool's `eval.<pool>` queue: dispatches each job by its catalog name (the handler
 * map must cover every `eval` job of the catalog). A name outside the catalog or a malformed payload is an
 * `UnrecoverableError` (never retried); any other error is rethrown as is.
 */
export function createEvalQueueProcessor<R>(
  handlers: JobHandlers<'eval', R>,
): (job: { name: string; data: unknown }) => Promise<R> {
  return async (job) => {
    if (!isJobOn('eval', job.name))
      throw new UnrecoverableError(`unknown job '${job.name}' on an eval queue`);
    try {
      return await handlers[job.name](job.data);
    } catch (err) {
      if (err instanceof MalformedJobError) throw new UnrecoverableError(err.message);
      throw err;
    }
  };
}
