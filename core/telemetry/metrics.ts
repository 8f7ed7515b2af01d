import type { Attributes, Counter, Histogram, Meter, Observable } from '@opentelemetry/api';
import {
  METRICS,
  MAX_LABEL_VALUE,
  type Label,
  type MetricDef,
  type MetricName,
  type Role,
} from './catalogue.js';

export type Labels = Partial<Record<Label, string | number>>;

/** One value of a gauge or observable counter, as a collector reports it. */
export interface Sample {
  name: MetricName;
  labels: Labels;
  value: number;
}

/** Reads the state of something (Redis, Postgres, queues) at scrape time. */
export type Collector = () => Promise<Sample[]>;

/**
 * The instruments of one role, created from the catalogue. Synchronous instruments are
 * recorded through `add`/`observe`; gauges and observable counters are filled at scrape
 * time by collectors, all run once per collection (and at most every `cacheMs`), so a
 * scrape of thirty gauges costs one pass over Redis and Postgres, not thirty.
 */
export class ScenicMetrics {
  readonly defs: readonly MetricDef[];
  private readonly counters = new Map<string, Counter>();
  private readonly histograms = new Map<string, Histogram>();
  private readonly observables = new Map<string, Observable>();
  private readonly collectors = new Map<string, Collector>();
  private cached: { at: number; samples: Promise<Sample[]> } | undefined;

  constructor(
    readonly roles: readonly Role[],
    meter: Meter,
    private readonly opts: {
      cacheMs?: number;
      onError?: (source: string, err: unknown) => void;
      now?: () => number;
    } = {},
  ) {
    this.defs = (METRICS as readonly MetricDef[]).filter(
      (m) => m.roles.some((r) => roles.includes(r)) && !m.registry,
    );
    for (const d of this.defs) {
      const o = { description: d.help, unit: d.unit };
      if (d.kind === 'counter') this.counters.set(d.name, meter.createCounter(d.name, o));
      else if (d.kind === 'histogram')
        this.histograms.set(
          d.name,
          meter.createHistogram(d.name, {
            ...o,
            advice: { explicitBucketBoundaries: [...(d.buckets ?? [])] },
          }),
        );
      else if (d.kind === 'gauge') this.observables.set(d.name, meter.createObservableGauge(d.name, o));
      else if (d.kind === 'observable-counter')
        this.observables.set(d.name, meter.createObservableCounter(d.name, o));
    }
    if (this.observables.size) {
      meter.addBatchObservableCallback(
        async (result) => {
          for (const s of await this.samples()) {
            const inst = this.observables.get(s.name);
            if (inst) result.observe(inst, s.value, this.attributes(s.name, s.labels));
          }
        },
        [...this.observables.values()],
      );
    }
  }

  /** Adds to a counter. Unknown names are a programming error and throw. */
  add(name: MetricName, value: number, labels: Labels = {}): void {
    const c = this.counters.get(name);
    if (!c) throw new Error(`metric ${name} is not a counter of ${this.roles.join('+')}`);
    // add(0) is allowed: it makes a series exist (rate() of a never-seen failure is 0, not absent)
    if (Number.isFinite(value)) c.add(Math.max(0, value), this.attributes(name, labels));
  }

  /** Records a value in a histogram. */
  observe(name: MetricName, value: number, labels: Labels = {}): void {
    const h = this.histograms.get(name);
    if (!h) throw new Error(`metric ${name} is not a histogram of ${this.roles.join('+')}`);
    h.record(value, this.attributes(name, labels));
  }

  has(name: MetricName): boolean {
    return this.counters.has(name) || this.histograms.has(name) || this.observables.has(name);
  }

  /** Registers (or replaces) a scrape-time collector under a name. */
  collect(source: string, c: Collector): void {
    this.collectors.set(source, c);
    this.cached = undefined;
  }

  /** Every collector's samples, run in parallel; a failing collector only loses its own. */
  samples(): Promise<Sample[]> {
    const now = (this.opts.now ?? Date.now)();
    if (this.cached && now - this.cached.at < (this.opts.cacheMs ?? 2_000)) return this.cached.samples;
    const samples = Promise.all(
      [...this.collectors].map(([source, c]) =>
        c().catch((err: unknown) => {
          this.opts.onError?.(source, err);
          return [] as Sample[];
        }),
      ),
    ).then((all) => all.flat());
    this.cached = { at: now, samples };
    return samples;
  }

  /** Only the catalogued labels of the metric, values cut to a bounded length. */
  private attributes(name: string, labels: Labels): Attributes {
    const def = this.defs.find((d) => d.name === name);
    const out: Attributes = {};
    for (const l of def?.labels ?? []) {
      const v = labels[l];
      out[l] = v === undefined || v === '' ? 'none' : String(v).slice(0, MAX_LABEL_VALUE);
    }
    return out;
  }
}
