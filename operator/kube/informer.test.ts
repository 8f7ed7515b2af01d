import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { KubeError, type KubeList, type KubeObject } from './client.js';
import { Informer, type ListWatcher, type WatchEvent } from './informer.js';

const obj = (name: string, rv: string): KubeObject => ({
  metadata: { name, namespace: 'ns', resourceVersion: rv },
});
const log = pino({ level: 'silent' });

/** A scripted list-watch: each watch call runs the next step. */
function fake(
  lists: KubeObject[][],
  steps: ((emit: (e: WatchEvent<KubeObject>) => void) => Promise<void>)[],
) {
  const calls = { list: 0, watch: [] as string[] };
  const lw: ListWatcher<KubeObject> = {
    list() {
      const items = lists[Math.min(calls.list, lists.length - 1)]!;
      calls.list++;
      return Promise.resolve({
        metadata: { resourceVersion: String(100 * calls.list) },
        items,
      } as KubeList<KubeObject>);
    },
    async watch(rv, onEvent, signal) {
      calls.watch.push(rv);
      const step = steps.shift();
      if (step) return step(onEvent);
      await new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
    },
  };
  return { lw, calls };
}

async function until(cond: () => boolean, ms = 3_000) {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('Informer', () => {
  it('relists on 410 Gone and reports objects deleted while it was not watching', async () => {
    const { lw, calls } = fake(
      [[obj('a', '1'), obj('b', '2')], [obj('a', '1')]],
      [() => Promise.reject(new KubeError(410, 'Expired', 'too old resource version'))],
    );
    const deleted: string[] = [];
    const inf = new Informer(lw, { name: 't', log, baseBackoffMs: 10 }).on({
      delete: (o) => deleted.push(o.metadata.name),
    });
    inf.start();
    await inf.synced();
    await until(() => calls.list === 2);
    await until(() => inf.healthy);
    expect(deleted).toEqual(['b']);
    expect(inf.relistsOnGone).toBe(1);
    expect(calls.watch).toEqual(['100', '200']);
    await inf.stop();
  });

  it('restarts after any error with backoff, resuming from the last version seen', async () => {
    const { lw, calls } = fake(
      [[obj('a', '1')]],
      [
        (emit) => {
          emit({ type: 'MODIFIED', object: obj('a', '150') });
          emit({ type: 'ADDED', object: obj('c', '160') });
          return Promise.reject(new Error('connection reset'));
        },
        (emit) => {
          emit({ type: 'BOOKMARK', object: obj('', '170') });
          return Promise.resolve(); // server closed the watch normally
        },
      ],
    );
    const updates: string[] = [];
    const inf = new Informer(lw, { name: 't', log, baseBackoffMs: 10 }).on({
      add: (o) => updates.push(`add ${o.metadata.name}`),
      update: (_o, n) => updates.push(`update ${n.metadata.name}@${n.metadata.resourceVersion}`),
    });
    inf.start();
    await until(() => calls.watch.length === 3);
    expect(calls.watch).toEqual(['100', '160', '170']);
    expect(calls.list).toBe(1);
    expect(updates).toEqual(['add a', 'update a@150', 'add c']);
    expect(inf.restarts).toBe(1);
    expect(inf.lastError).toBe('connection reset');
    expect(
      inf
        .list()
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['a', 'c']);
    await until(() => inf.healthy);
    await inf.stop();
    expect(inf.healthy).toBe(false);
  });

  it('relists periodically and resyncs unchanged objects to handlers', async () => {
    const { lw, calls } = fake([[obj('a', '1')]], []);
    const resynced: string[] = [];
    const inf = new Informer(lw, { name: 't', log, resyncMs: 1_000 }).on({
      resync: (o) => resynced.push(o.metadata.name),
    });
    inf.start();
    await until(() => calls.list >= 2, 5_000);
    expect(resynced).toContain('a');
    await inf.stop();
  });
});
