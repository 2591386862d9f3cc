'use client';
import type { LoadPointTelemetry } from '@inferbench/contracts';
import { GpuPanel } from './gpu-panel';
import { ServerPanel } from './server-panel';
import styles from './telemetry.module.css';

/**
 * Server and GPU panels of one load point. A panel appears only when its data is available; otherwise one
 * muted line says why (the agent's reason, or that nothing was collected).
 */
export function PointTelemetry({ telemetry }: { telemetry: LoadPointTelemetry | null }) {
  const server = telemetry?.server;
  const gpu = telemetry?.gpu;
  return (
    <>
      {server?.available ? (
        <ServerPanel server={server} />
      ) : (
        <p className={styles.unavailable} data-testid="server-unavailable">
          {server
            ? `Server telemetry unavailable: ${server.reason ?? server.lastError ?? 'no successful scrape'}`
            : 'Server telemetry not collected: the target has no metrics URL.'}
        </p>
      )}
      {gpu?.available ? (
        <GpuPanel gpu={gpu} />
      ) : (
        <p className={styles.unavailable} data-testid="gpu-unavailable">
          {gpu
            ? `GPU telemetry unavailable: ${gpu.reason ?? 'no sample'}`
            : 'GPU telemetry not collected for this point.'}
        </p>
      )}
    </>
  );
}
