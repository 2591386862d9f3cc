import { UnrecoverableError } from 'bullmq';
import { isJobOn, type JobHandlers } from '@inferbench/contracts';
import { MalformedJobError } from './load-point-processor.js';

/**
 * The BullMQ processor of an agent pool's `load.<pool>` queue: dispatches each job by its catalog name to its
 * handler (the handler map must cover every `load` job of the catalog, or it does not compile). Bad input never
 * gets better on retry: a name outside the catalog and a payload the handler rejects as malformed become
 * BullMQ `UnrecoverableError`s; any other error is rethrown as is.
 */
export function createLoadQueueProcessor<R>(
  handlers: JobHandlers<'load', R>,
): (job: { name: string; data: unknown }) => Promise<R> {
  return async (job) => {
    if (!isJobOn('load', job.name)) {
      throw new UnrecoverableError(`unknown job '${job.name}' on a load queue`);
    }
    try {
      return await handlers[job.name](job.data);
    } catch (err) {
      if (err instanceof MalformedJobError) throw new UnrecoverableError(err.message);
      throw err;
    }
  };
}
