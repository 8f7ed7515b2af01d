/**
 * Fault injection for crash tests: `SCENIC_FAULTS="order.after-reserve=0.05,..."`
 * makes the process kill itself with SIGKILL at a named point with that probability,
 * exactly as a power cut or an OOM kill would. Unset (always, in production) it costs
 * one map lookup.
 */
const faults = new Map<string, number>(
  (process.env.SCENIC_FAULTS ?? '')
    .split(',')
    .map((s) => s.trim().split('='))
    .filter((p): p is [string, string] => p.length === 2 && !Number.isNaN(Number(p[1])))
    .map(([k, v]) => [k, Number(v)]),
);

export type FaultPoint =
  | 'order.after-reserve'
  | 'order.after-commit'
  | 'payment.after-confirm'
  | 'refund.before-release'
  /** a joint order has taken stock at its first area and not yet at the next (core/joint) */
  | 'joint.between-areas';

export function crashPoint(point: FaultPoint): void {
  const p = faults.get(point);
  if (p !== undefined && Math.random() < p) process.kill(process.pid, 'SIGKILL');
}
