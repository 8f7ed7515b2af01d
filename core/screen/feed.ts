import type { ScreenSnapshot } from './model.js';

/** A connected screen: told every snapshot that differs from the last one it was sent. */
export interface ScreenListener {
  send(s: ScreenSnapshot): void;
  /** the read failed (area deleted, database down); the listener decides what to show */
  fail(err: unknown): void;
}

interface Watch {
  listeners: Set<ScreenListener>;
  timer: NodeJS.Timeout;
  last?: string;
  busy: boolean;
}

/**
 * Live snapshots for connected screens. A gate scan writes no event the API could
 * listen to (the ledger updates `area_presence` and `entrance_flow` in its
 * transaction, and only capacity releases go to the outbox), so each watched area is
 * read every `everyMs` — once for all its screens, and only while one is connected —
 * and a snapshot goes out only when it changed. Comparing without the read time
 * (`at`) keeps an idle screen quiet.
 */
export class ScreenFeed {
  private readonly watches = new Map<string, Watch>();

  constructor(
    private readonly read: (areaId: string) => Promise<ScreenSnapshot>,
    private readonly everyMs = 500,
  ) {}

  /** Starts sending to `l` (the first snapshot at once); returns the unsubscribe. */
  watch(areaId: string, l: ScreenListener): () => void {
    let w = this.watches.get(areaId);
    if (!w) {
      const timer = setInterval(() => void this.tick(areaId), this.everyMs);
      timer.unref();
      w = { listeners: new Set(), timer, busy: false };
      this.watches.set(areaId, w);
    }
    w.listeners.add(l);
    void this.read(areaId).then(
      (s) => w.listeners.has(l) && l.send(s),
      (err: unknown) => w.listeners.has(l) && l.fail(err),
    );
    return () => {
      w.listeners.delete(l);
      if (w.listeners.size || this.watches.get(areaId) !== w) return;
      clearInterval(w.timer);
      this.watches.delete(areaId);
    };
  }

  /** Areas watched and screens connected, for tests and logs. */
  stats(): { areas: number; listeners: number } {
    let listeners = 0;
    for (const w of this.watches.values()) listeners += w.listeners.size;
    return { areas: this.watches.size, listeners };
  }

  close(): void {
    for (const w of this.watches.values()) clearInterval(w.timer);
    this.watches.clear();
  }

  private async tick(areaId: string): Promise<void> {
    const w = this.watches.get(areaId);
    if (!w || w.busy) return; // a slow read is not stacked up behind another
    w.busy = true;
    try {
      const s = await this.read(areaId);
      const key = JSON.stringify({ ...s, at: '' });
      if (key === w.last) return;
      w.last = key;
      for (const l of w.listeners) l.send(s);
    } catch (err) {
      for (const l of w.listeners) l.fail(err);
    } finally {
      w.busy = false;
    }
  }
}
