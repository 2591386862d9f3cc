import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { MalformedJobError } from './load-point-processor.js';
import { createLoadQueueProcessor } from './load-queue-consumer.js';

describe('createLoadQueueProcessor', () => {
  it('hands a catalog job of the load queue to its handler with the raw data', async () => {
    const seen: unknown[] = [];
    const process = createLoadQueueProcessor({
      'loadpoint.execute': async (data) => {
        seen.push(data);
        return 'ran';
      },
    });
    await expect(process({ name: 'loadpoint.execute', data: { a: 1 } })).resolves.toBe('ran');
    expect(seen).toEqual([{ a: 1 }]);
  });

  it('refuses names outside the load queue without retry', async () => {
    const process = createLoadQueueProcessor({ 'loadpoint.execute': async () => 'ran' });
    await expect(process({ name: 'sample.batch', data: {} })).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(process({ name: 'bogus', data: {} })).rejects.toThrow(/unknown job 'bogus'/);
  });

  it('turns a malformed payload into an unrecoverable error and rethrows anything else', async () => {
    const malformed = createLoadQueueProcessor({
      'loadpoint.execute': async () => {
        throw new MalformedJobError('malformed load point job: v: bad');
      },
    });
    await expect(malformed({ name: 'loadpoint.execute', data: {} })).rejects.toSatisfy(
      (e: unknown) => e instanceof UnrecoverableError && e.message.includes('v: bad'),
    );
    const boom = new Error('redis down');
    const failing = createLoadQueueProcessor({
      'loadpoint.execute': async () => {
        throw boom;
      },
    });
    await expect(failing({ name: 'loadpoint.execute', data: {} })).rejects.toBe(boom);
  });
});
