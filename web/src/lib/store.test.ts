import { beforeEach, describe, expect, it } from 'vitest';
import { forgetVisitor, rememberVisitors, saveOrder, savedVisitors } from './store.js';
import type { Order } from './api.js';

/** A Storage over a Map, as the browser's localStorage and sessionStorage behave. */
class MemoryStorage implements Storage {
  private m = new Map<string, string>();
  get length() {
    return this.m.size;
  }
  clear() {
    this.m.clear();
  }
  getItem(k: string) {
    return this.m.get(k) ?? null;
  }
  key(i: number) {
    return [...this.m.keys()][i] ?? null;
  }
  removeItem(k: string) {
    this.m.delete(k);
  }
  setItem(k: string, v: string) {
    this.m.set(k, String(v));
  }
  dump(): string {
    return [...this.m.values()].join('\n');
  }
}

const local = new MemoryStorage();
const tab = new MemoryStorage();
Object.assign(globalThis, { localStorage: local, sessionStorage: tab });

const ID_A = '110101199003074514';
const ID_B = '11010119920817452X';

describe('17.18 full ID numbers sit in the browser localStorage', () => {
  beforeEach(() => {
    local.clear();
    tab.clear();
  });

  it('keeps the visitors filled in for the open tab only, never in localStorage', () => {
    rememberVisitors([
      { name: '张三', idType: 'cn_resident', idNumber: ID_A },
      { name: '李梅', idType: 'cn_resident', idNumber: ID_B },
    ]);
    // the order as the server answers it: ID numbers masked
    saveOrder('o1', {
      token: 'tok',
      order: { id: 'o1', tickets: [{ visitor: { idNumber: '1101**********4514' } }] } as unknown as Order,
    });
    expect(local.dump()).not.toContain(ID_A);
    expect(local.dump()).not.toContain(ID_B);
    expect(savedVisitors().map((v) => v.idNumber)).toEqual([ID_A, ID_B]);
    forgetVisitor(ID_A);
    expect(savedVisitors().map((v) => v.idNumber)).toEqual([ID_B]);
  });

  it('drops the saved visitors an older page left in localStorage', () => {
    local.setItem(
      'scenic.visitors.v1',
      JSON.stringify([{ name: '张三', idType: 'cn_resident', idNumber: ID_A }]),
    );
    expect(savedVisitors()).toEqual([]);
    expect(local.getItem('scenic.visitors.v1')).toBeNull();
  });
});
