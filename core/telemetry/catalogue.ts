/**
 * Every metric Scenic exports, in one place: name, kind, help, labels and the roles
 * that export it. Instruments are created from this list (core/telemetry/metrics.ts),
 * the Prometheus output declares every entry of its role, dashboards and alert rules
 * are checked against it (tests/observability), and the README documents it.
 *
 * Names follow Prometheus conventions (snake_case, base units in the name, counters end
 * in `_total`); labels come from a closed, bounded set. Never ticket, order, visitor or
 * device ids: a label value must come from the catalog (areas, channels, entrances,
 * products, slots) or from a small fixed vocabulary (levels, reasons, states).
 */
export const ROLES = ['api', 'worker', 'gate', 'operator'] as const;
export type Role = (typeof ROLES)[number];

export const LABELS = [
  'area',
  'channel',
  'entrance',
  'product',
  'slot',
  'day',
  'queue',
  'level',
  'reason',
  'state',
  'direction',
  'decision',
  'quantile',
  'result',
  'mode',
  'method',
  'route',
  'status_code',
  'kind',
  'target',
  'event',
  'dependency',
  'role',
  'version',
  'controller',
  'informer',
  'provider',
  'class',
  'source',
] as const;
export type Label = (typeof LABELS)[number];

/** counter: monotonic sum; gauge: observed at scrape time; histogram: distribution. */
export type MetricKind = 'counter' | 'gauge' | 'histogram' | 'observable-counter' | 'summary';

export interface MetricDef {
  name: string;
  kind: MetricKind;
  help: string;
  labels: readonly Label[];
  roles: readonly Role[];
  /** UCUM-ish unit for OTLP consumers; Prometheus names carry it already */
  unit?: string;
  buckets?: readonly number[];
  /** exported by the gate agent's own registry (gate/), not by the OpenTelemetry SDK */
  registry?: 'gate';
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

export const METRICS = [
  // --- every role
  {
    name: 'scenic_build_info',
    kind: 'gauge',
    help: 'Always 1; the role and version of this process.',
    labels: ['role', 'version'],
    roles: ['api', 'worker'],
  },
  // --- API: requests, sales events, online users
  {
    name: 'scenic_http_request_duration_seconds',
    kind: 'histogram',
    unit: 's',
    buckets: LATENCY_BUCKETS,
    help: 'HTTP requests served by the API, by route template and status code.',
    labels: ['method', 'route', 'status_code'],
    roles: ['api'],
  },
  {
    name: 'scenic_tickets_held_total',
    kind: 'counter',
    help: 'Tickets put on hold (orders placed, not yet paid).',
    labels: ['area', 'channel', 'slot'],
    roles: ['api'],
  },
  {
    name: 'scenic_tickets_sold_total',
    kind: 'counter',
    help: 'Tickets issued after payment.',
    labels: ['area', 'channel', 'slot'],
    roles: ['api', 'worker'],
  },
  {
    name: 'scenic_tickets_refunded_total',
    kind: 'counter',
    help: 'Tickets refunded, by reason code.',
    labels: ['area', 'channel', 'reason'],
    roles: ['api', 'worker'],
  },
  {
    name: 'scenic_holds_ended_total',
    kind: 'counter',
    help: 'Unpaid holds that ended without payment (reason: expired or cancelled).',
    labels: ['area', 'channel', 'reason'],
    roles: ['api', 'worker'],
  },
  {
    name: 'scenic_sales_amount_minor_total',
    kind: 'counter',
    unit: '{fen}',
    help: 'Revenue of issued orders in minor currency units (fen).',
    labels: ['area', 'channel'],
    roles: ['api', 'worker'],
  },
  {
    name: 'scenic_orders_refused_total',
    kind: 'counter',
    help: 'Orders refused by the inventory (sold out, online closed, quota, ID limit, paused).',
    labels: ['area', 'channel', 'reason'],
    roles: ['api'],
  },
  {
    name: 'scenic_eventloop_lag_seconds',
    kind: 'gauge',
    help: 'How late the API process turns its event loop (smoothed); above SCENIC_SHED_LAG_MS the waiting room sheds.',
    labels: [],
    roles: ['api'],
  },
  {
    name: 'scenic_waiting_room_shed_total',
    kind: 'counter',
    help: 'Waiting-room requests answered 429 waiting_room_busy without any work because the API was overloaded.',
    labels: ['route'],
    roles: ['api'],
  },
  {
    name: 'scenic_online_users',
    kind: 'gauge',
    help: 'Distinct visitors (sessions, order tokens or clients) seen by the API in the last 5 minutes, over all replicas.',
    labels: [],
    roles: ['api'],
  },
  {
    name: 'scenic_dependency_latency_seconds',
    kind: 'histogram',
    unit: 's',
    buckets: LATENCY_BUCKETS,
    help: 'Round trip of a trivial command to Redis or Postgres, probed every few seconds.',
    labels: ['dependency'],
    roles: ['api', 'worker'],
  },
  // --- worker: the state of the data plane, read from Redis and Postgres at scrape time
  {
    name: 'scenic_capacity_used',
    kind: 'gauge',
    help: 'Capacity units held or sold for an area-day (from the live inventory).',
    labels: ['area', 'day'],
    roles: ['worker'],
  },
  {
    name: 'scenic_capacity_limit',
    kind: 'gauge',
    help: 'Daily capacity of an area-day.',
    labels: ['area', 'day'],
    roles: ['worker'],
  },
  {
    name: 'scenic_capacity_threshold',
    kind: 'gauge',
    help: 'Units at which an area-day reaches each capacity level.',
    labels: ['area', 'day', 'level'],
    roles: ['worker'],
  },
  {
    name: 'scenic_capacity_level',
    kind: 'gauge',
    help: 'Capacity level of an area-day: 0 green, 1 yellow, 2 orange, 3 red.',
    labels: ['area', 'day'],
    roles: ['worker'],
  },
  {
    name: 'scenic_slot_used',
    kind: 'gauge',
    help: 'Capacity units held or sold per time slot.',
    labels: ['area', 'day', 'slot'],
    roles: ['worker'],
  },
  {
    name: 'scenic_slot_capacity',
    kind: 'gauge',
    help: 'Capacity per time slot.',
    labels: ['area', 'day', 'slot'],
    roles: ['worker'],
  },
  {
    name: 'scenic_channel_used',
    kind: 'gauge',
    help: 'Capacity units held or sold per sales channel.',
    labels: ['area', 'day', 'channel'],
    roles: ['worker'],
  },
  {
    name: 'scenic_tickets',
    kind: 'gauge',
    help: 'Tickets per area-day and channel in the books (state: held, sold, used, refunded).',
    labels: ['area', 'day', 'channel', 'state'],
    roles: ['worker'],
  },
  {
    name: 'scenic_in_park',
    kind: 'gauge',
    help: 'Visitors inside the area now (entries counted once per allowed entry, minus exits), today in the area time zone.',
    labels: ['area'],
    roles: ['worker'],
  },
  {
    name: 'scenic_instant_capacity',
    kind: 'gauge',
    help: 'Most visitors allowed inside at once.',
    labels: ['area'],
    roles: ['worker'],
  },
  {
    name: 'scenic_entrance_passages_total',
    kind: 'observable-counter',
    help: 'Gate openings per entrance today (resets at local midnight).',
    labels: ['area', 'entrance', 'direction'],
    roles: ['worker'],
  },
  {
    name: 'scenic_gates',
    kind: 'gauge',
    help: 'Registered gate agents per entrance by state (online: reported within 60 s).',
    labels: ['area', 'entrance', 'state'],
    roles: ['worker'],
  },
  {
    name: 'scenic_gate_offline_seconds_max',
    kind: 'gauge',
    help: 'Longest time any gate of the entrance has been offline (0 when all are online).',
    labels: ['area', 'entrance'],
    roles: ['worker'],
  },
  {
    name: 'scenic_gate_reported_backlog',
    kind: 'gauge',
    help: 'Journal entries the gates of an entrance reported as not yet uploaded.',
    labels: ['area', 'entrance'],
    roles: ['worker'],
  },
  {
    name: 'scenic_double_entries_open',
    kind: 'gauge',
    help: 'Double entries the redemption ledger flagged that staff have not resolved yet.',
    labels: ['area'],
    roles: ['worker'],
  },
  {
    name: 'scenic_used_after_refund_open',
    kind: 'gauge',
    help: 'Entries an offline gate admitted on a ticket refunded or rescheduled before its journal arrived, not yet resolved by staff.',
    labels: ['area'],
    roles: ['worker'],
  },
  {
    name: 'scenic_waiting_room_joined',
    kind: 'gauge',
    help: 'Buyers who joined the presale waiting room of an area.',
    labels: ['area'],
    roles: ['worker'],
  },
  {
    name: 'scenic_waiting_room_admitted',
    kind: 'gauge',
    help: 'Buyers the waiting room of an area has admitted so far.',
    labels: ['area'],
    roles: ['worker'],
  },
  {
    name: 'scenic_queue_jobs',
    kind: 'gauge',
    help: 'BullMQ jobs per queue and state (waiting, active, delayed, failed).',
    labels: ['queue', 'state'],
    roles: ['worker'],
  },
  {
    name: 'scenic_queue_oldest_waiting_seconds',
    kind: 'gauge',
    help: 'Age of the oldest job waiting to be processed.',
    labels: ['queue'],
    roles: ['worker'],
  },
  {
    name: 'scenic_queue_jobs_processed_total',
    kind: 'counter',
    help: 'Jobs processed by this worker, by result (completed, failed).',
    labels: ['queue', 'result'],
    roles: ['worker'],
  },
  {
    name: 'scenic_queue_job_duration_seconds',
    kind: 'histogram',
    unit: 's',
    buckets: LATENCY_BUCKETS,
    help: 'Processing time of a job.',
    labels: ['queue'],
    roles: ['worker'],
  },
  {
    name: 'scenic_notifications_total',
    kind: 'counter',
    help: 'Notification deliveries (webhook, broadcast, sms, robot) by target and result (delivered, retried, failed).',
    labels: ['kind', 'target', 'event', 'result'],
    roles: ['worker'],
  },
  {
    name: 'scenic_notification_delay_seconds',
    kind: 'histogram',
    unit: 's',
    buckets: LATENCY_BUCKETS,
    help: 'From the data-plane event to its delivery.',
    labels: ['kind'],
    roles: ['worker'],
  },
  {
    name: 'scenic_inventory_reconcile_runs_total',
    kind: 'counter',
    help: 'Runs of the Redis/Postgres reconciler (result: clean, repaired, failed).',
    labels: ['result'],
    roles: ['worker'],
  },
  {
    name: 'scenic_inventory_drift_repaired_total',
    kind: 'counter',
    help: 'Area-days whose Redis inventory drifted from Postgres and was repaired.',
    labels: [],
    roles: ['worker'],
  },
  {
    name: 'scenic_reports_generated_total',
    kind: 'counter',
    help: 'Daily reports produced (result: generated, failed).',
    labels: ['result'],
    roles: ['worker'],
  },
  // --- money: provider notices, recovered payments, refunds, reconciliation (core/orders, core/payments)
  {
    name: 'scenic_payment_notices_total',
    kind: 'counter',
    help: 'Provider notifications received, by provider and result (applied, duplicate; refused: bad_signature, malformed, unknown_payment, mismatch).',
    labels: ['provider', 'result'],
    roles: ['api'],
  },
  {
    name: 'scenic_payment_mismatches_total',
    kind: 'counter',
    help: "A provider's word (notice, query, close) that does not match the payment Scenic created: refused, audited, money given back.",
    labels: ['provider', 'source'],
    roles: ['api', 'worker'],
  },
  {
    name: 'scenic_payments_recovered_total',
    kind: 'counter',
    help: 'Payments found paid by asking the provider (source: query, close) rather than by its notification.',
    labels: ['provider', 'source'],
    roles: ['api', 'worker'],
  },
  {
    name: 'scenic_refunds_total',
    kind: 'counter',
    help: 'Refund attempts by how the money goes back (method: provider, counter) and result (succeeded, retry, failed, abnormal: a WeChat refund the payer’s account refused, sent to the merchant’s bank account).',
    labels: ['method', 'result'],
    roles: ['api', 'worker'],
  },
  {
    name: 'scenic_refunds_outstanding',
    kind: 'gauge',
    help: 'Refunds not given back yet, by method and state (provider: pending, processing, failed; counter: awaiting_counter).',
    labels: ['method', 'state'],
    roles: ['worker'],
  },
  {
    name: 'scenic_refunds_oldest_outstanding_seconds',
    kind: 'gauge',
    unit: 's',
    help: 'Age of the oldest refund not given back yet, by method (0 when none).',
    labels: ['method'],
    roles: ['worker'],
  },
  {
    name: 'scenic_reconciliation_runs_total',
    kind: 'counter',
    help: 'Daily reconciliations of a provider-day (result: done, not_ready, failed).',
    labels: ['provider', 'result'],
    roles: ['worker'],
  },
  {
    name: 'scenic_reconciliation_items',
    kind: 'gauge',
    help: "Items of each provider's latest reconciled day, by class (matched, missing_in_books, missing_at_provider, amount_mismatch, refund_mismatch, fee).",
    labels: ['provider', 'class'],
    roles: ['worker'],
  },
  {
    name: 'scenic_money_without_payment',
    kind: 'gauge',
    help: 'Trades where the provider took money with no payment in the books and finance has not decided yet (last 35 days).',
    labels: ['provider'],
    roles: ['worker'],
  },
  {
    name: 'scenic_money_without_payment_minor',
    kind: 'gauge',
    help: 'The money of scenic_money_without_payment, in fen.',
    labels: ['provider'],
    roles: ['worker'],
  },
  // --- gate agent (its own hand-written exposition, gate/server.ts; one agent per entrance node,
  // so the entrance comes from the scrape target's labels)
  {
    name: 'scenic_gate_scans_total',
    kind: 'counter',
    help: 'Scans answered, by decision and reason.',
    labels: ['direction', 'decision', 'reason'],
    roles: ['gate'],
    registry: 'gate',
  },
  {
    name: 'scenic_gate_scan_seconds',
    kind: 'summary',
    help: 'Scan service time over the last scans (journal commit included).',
    labels: ['quantile'],
    roles: ['gate'],
    registry: 'gate',
  },
  {
    name: 'scenic_gate_journal_backlog',
    kind: 'gauge',
    help: 'Journal entries not yet acknowledged by the centre.',
    labels: [],
    roles: ['gate'],
    registry: 'gate',
  },
  {
    name: 'scenic_gate_online',
    kind: 'gauge',
    help: '1 while the centre answers.',
    labels: [],
    roles: ['gate'],
    registry: 'gate',
  },
  {
    name: 'scenic_gate_offline_seconds',
    kind: 'gauge',
    help: 'Seconds since the link was lost (0 when online).',
    labels: [],
    roles: ['gate'],
    registry: 'gate',
  },
  {
    name: 'scenic_gate_journal_ok',
    kind: 'gauge',
    help: '0 when the last journal write failed (gate shut).',
    labels: [],
    roles: ['gate'],
    registry: 'gate',
  },
  {
    name: 'scenic_gate_manifest_tickets',
    kind: 'gauge',
    help: 'Tickets in the synced manifest.',
    labels: [],
    roles: ['gate'],
    registry: 'gate',
  },
  {
    name: 'scenic_gate_in_park',
    kind: 'gauge',
    help: 'Estimated people inside the area (centre figure + unsynced movements).',
    labels: [],
    roles: ['gate'],
    registry: 'gate',
  },
  {
    name: 'scenic_gate_scans_in_flight',
    kind: 'gauge',
    help: 'Scans received and not yet answered: the verification queue.',
    labels: [],
    roles: ['gate'],
    registry: 'gate',
  },
  // --- operator (its OpenTelemetry registry, like every other role: operator/operator.ts)
  {
    name: 'scenic_operator_reconcile_total',
    kind: 'counter',
    help: 'Reconciles by controller and result.',
    labels: ['controller', 'result'],
    roles: ['operator'],
  },
  {
    name: 'scenic_operator_reconcile_seconds_total',
    kind: 'counter',
    help: 'Time spent reconciling, by controller.',
    labels: ['controller'],
    roles: ['operator'],
  },
  {
    name: 'scenic_operator_watch_healthy',
    kind: 'gauge',
    help: 'Whether each informer is listed and watching (1) or not (0).',
    labels: ['informer'],
    roles: ['operator'],
  },
  {
    name: 'scenic_operator_leader',
    kind: 'gauge',
    help: 'Whether this replica holds the lease.',
    labels: [],
    roles: ['operator'],
  },
  {
    name: 'scenic_operator_workqueue_depth',
    kind: 'gauge',
    help: 'Keys waiting per controller.',
    labels: ['controller'],
    roles: ['operator'],
  },
] as const satisfies readonly MetricDef[];

export type MetricName = (typeof METRICS)[number]['name'];

/**
 * Series dashboards may use that Scenic does not export itself, each with its source.
 * Anything else a dashboard or rule queries must be in METRICS.
 */
export const EXTERNAL_METRICS: Record<string, string> = {
  up: 'Prometheus (scrape health of every target)',
  kube_deployment_status_replicas_available: 'kube-state-metrics (API/worker replicas)',
  kube_horizontalpodautoscaler_spec_min_replicas:
    "kube-state-metrics (the HPA floor: the operator's pre-scale target)",
  kube_horizontalpodautoscaler_status_desired_replicas: 'kube-state-metrics',
};

export const metricDef = (name: string): MetricDef | undefined =>
  (METRICS as readonly MetricDef[]).find((m) => m.name === name);

/** The Prometheus family type of a metric kind. */
export const promType = (k: MetricKind) =>
  k === 'histogram' || k === 'summary' || k === 'gauge' ? k : 'counter';

/** Label values must stay bounded: this is how long a catalog id may be, at most. */
export const MAX_LABEL_VALUE = 64;
