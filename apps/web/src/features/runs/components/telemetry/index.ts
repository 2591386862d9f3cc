export { BottleneckHints } from './bottleneck-hints';
export { GpuPanel } from './gpu-panel';
export { PointTelemetry } from './point-telemetry';
export { ServerPanel, TtftSplitBar } from './server-panel';
