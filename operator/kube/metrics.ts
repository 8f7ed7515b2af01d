/**
 * A tiny Prometheus text-format registry (the operator needs a handful of series; no
 * client library). Counters and gauges with labels; gauges may be computed at scrape time.
 */
type Labels = Record<string, string>;

interface Family {
  help: string;
  type: 'counter' | 'gauge';
  values: Map<string, { labels: Labels; value: number }>;
  collect?: () => { labels: Labels; value: number }[];
}

const labelKey = (l: Labels) => JSON.stringify(Object.entries(l).sort());
const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export class Metrics {
  private readonly families = new Map<string, Family>();

  counter(name: string, help: string) {
    this.family(name, help, 'counter');
    return { inc: (labels: Labels = {}, by = 1) => this.add(name, labels, by) };
  }

  gauge(name: string, help: string, collect?: () => { labels: Labels; value: number }[]) {
    this.family(name, help, 'gauge').collect = collect;
    return { set: (labels: Labels, value: number) => this.set(name, labels, value) };
  }

  render(): string {
    const out: string[] = [];
    for (const [name, f] of this.families) {
      out.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.type}`);
      const rows = f.collect ? f.collect() : [...f.values.values()];
      for (const { labels, value } of rows) {
        const l = Object.entries(labels).map(([k, v]) => `${k}="${esc(v)}"`);
        out.push(`${name}${l.length ? `{${l.join(',')}}` : ''} ${value}`);
      }
    }
    return `${out.join('\n')}\n`;
  }

  private family(name: string, help: string, type: Family['type']): Family {
    let f = this.families.get(name);
    if (!f) this.families.set(name, (f = { help, type, values: new Map() }));
    return f;
  }

  private add(name: string, labels: Labels, by: number) {
    const f = this.families.get(name)!;
    const k = labelKey(labels);
    const cur = f.values.get(k);
    if (cur) cur.value += by;
    else f.values.set(k, { labels, value: by });
  }

  private set(name: string, labels: Labels, value: number) {
    this.families.get(name)!.values.set(labelKey(labels), { labels, value });
  }
}
