'use client';
import { useEffect } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { RunStreamEventSchema } from '@inferbench/contracts';
import { BROWSER_API_BASE } from '../../../lib/api';
import { applyRunStreamEvent } from '../live-state';
import { EMPTY_LIVE_STATE, isTerminalStatus, runKeys, type RunLiveState } from '../queries';

const EVENT_TYPES = ['message', 'run.status', 'loadpoint.status', 'loadpoint.progress'] as const;

/**
 * Follows `GET /runs/:id/events` (SSE, through the same-origin proxy) while `enabled`:
 * progress goes into the `runKeys.live(runId)` cache entry, and every status event invalidates the run
 * query so the page refetches figures. The run query's 2 s polling covers a dropped stream; EventSource
 * reconnects by itself.
 */
export function useRunStream(runId: string, enabled: boolean): void {
  const queryClient = useQueryClient();

  useEffect(() => {
    if (!enabled || typeof EventSource === 'undefined') return;
    const source = new EventSource(`${BROWSER_API_BASE}/runs/${encodeURIComponent(runId)}/events`);
    const update = (fn: (s: RunLiveState) => RunLiveState) =>
      queryClient.setQueryData<RunLiveState>(runKeys.live(runId), (prev) => fn(prev ?? EMPTY_LIVE_STATE));

    const onOpen = () => update((s) => ({ ...s, connected: true }));
    const onError = () => update((s) => ({ ...s, connected: false }));
    const onMessage = (msg: MessageEvent<string>) => {
      let json: unknown;
      try {
        json = JSON.parse(msg.data);
      } catch {
        return; // not JSON (e.g. a keep-alive payload): nothing to apply
      }
      const parsed = RunStreamEventSchema.safeParse(json);
      if (!parsed.success) return;
      const event = parsed.data;
      update((s) => applyRunStreamEvent({ ...s, connected: true }, event, Date.now()));
      if (event.type === 'run.status' || event.type === 'loadpoint.status') {
        void queryClient.invalidateQueries({ queryKey: runKeys.detail(runId) });
      }
      if (event.type === 'run.status' && isTerminalStatus(event.status)) {
        // The server ends the stream after a terminal status; stop EventSource from reconnecting.
        source.close();
        update((s) => ({ ...s, connected: false }));
      }
    };

    source.addEventListener('open', onOpen);
    source.addEventListener('error', onError);
    for (const t of EVENT_TYPES) source.addEventListener(t, onMessage as EventListener);
    return () => {
      source.close();
      update((s) => ({ ...s, connected: false }));
    };
  }, [runId, enabled, queryClient]);
}
