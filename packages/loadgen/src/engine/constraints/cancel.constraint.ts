import type { Constraint, StopDecision } from './constraint.js';

/** The caller's abort signal cancels the point: sending stops and the in-flight tail is cut off. */
export function createCancelConstraint(signal: AbortSignal): Constraint {
  const decision: StopDecision = { status: 'cancelled', reason: 'cancelled by the caller', cancelTail: true };
  return {
    name: 'cancel',
    watch(stop) {
      const onAbort = (): void => stop(decision);
      if (signal.aborted) {
        onAbort();
        return () => undefined;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      return () => signal.removeEventListener('abort', onAbort);
    },
  };
}
