/** Thresholds above which the client is considered unable to keep up (defaults in {@link DEFAULT_CLIENT_HEALTH_THRESHOLDS}). */
export interface ClientHealthThresholds {
  /** p99 of sentAt − scheduledAt, ms */
  scheduleDelayP99Ms: number;
  /** p99 of the Node event-loop lag, ms */
  eventLoopLagP99Ms: number;
  /** fraction of wall time the client process kept a CPU busy, 0..1 */
  cpuBusyFraction: number;
}

/** Defaults: 5 ms schedule delay, 20 ms event-loop lag, 90 % CPU. */
export const DEFAULT_CLIENT_HEALTH_THRESHOLDS: ClientHealthThresholds = {
  scheduleDelayP99Ms: 5,
  eventLoopLagP99Ms: 20,
  cpuBusyFraction: 0.9,
};

/** What the client measured about itself during a load point; missing readings are skipped. */
export interface ClientHealthInput {
  scheduleDelayP99Ms?: number | undefined;
  eventLoopLagP99Ms?: number | undefined;
  cpuBusyFraction?: number | undefined;
  thresholds?: Partial<ClientHealthThresholds>;
}

function fmt(x: number): string {
  return x.toFixed(1);
}

/**
 * Plain-language warnings for a client that could not keep up with its own load plan, so a report
 * never passes off client slowness as server latency. Returns [] when every reading is within its
 * threshold. Example: "The client fell behind its schedule: p99 schedule delay 12.3 ms > 5 ms;
 * figures may reflect the client, not the server."
 */
export function clientHealthWarnings(input: ClientHealthInput): string[] {
  const t = { ...DEFAULT_CLIENT_HEALTH_THRESHOLDS, ...input.thresholds };
  const out: string[] = [];
  const tail = 'figures may reflect the client, not the server.';
  if (input.scheduleDelayP99Ms !== undefined && input.scheduleDelayP99Ms > t.scheduleDelayP99Ms) {
    out.push(
      `The client fell behind its schedule: p99 schedule delay ${fmt(input.scheduleDelayP99Ms)} ms > ${t.scheduleDelayP99Ms} ms; ${tail}`,
    );
  }
  if (input.eventLoopLagP99Ms !== undefined && input.eventLoopLagP99Ms > t.eventLoopLagP99Ms) {
    out.push(
      `The client's event loop was delayed: p99 event-loop lag ${fmt(input.eventLoopLagP99Ms)} ms > ${t.eventLoopLagP99Ms} ms; timestamps may be late and ${tail}`,
    );
  }
  if (input.cpuBusyFraction !== undefined && input.cpuBusyFraction > t.cpuBusyFraction) {
    out.push(
      `The client was CPU-bound: ${fmt(input.cpuBusyFraction * 100)}% CPU busy > ${fmt(t.cpuBusyFraction * 100)}%; ${tail}`,
    );
  }
  return out;
}
