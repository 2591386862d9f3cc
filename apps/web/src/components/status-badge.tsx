/** Colored pill for run / load point / agent states. Unknown states render neutral. */
export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge badge-${status.replace(/[^a-z_-]/gi, '')}`} data-status={status}>
      {status}
    </span>
  );
}
