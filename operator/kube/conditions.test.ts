import { describe, expect, it } from 'vitest';
import { jsonEqual, setCondition } from './conditions.js';

const t1 = new Date('2025-01-01T00:00:00.123Z');
const t2 = new Date('2025-01-01T00:05:00Z');

describe('setCondition', () => {
  it('adds a condition with the transition time truncated to seconds', () => {
    expect(
      setCondition([], { type: 'Ready', status: 'False', reason: 'Pending', message: 'm' }, 3, t1),
    ).toEqual([
      {
        type: 'Ready',
        status: 'False',
        observedGeneration: 3,
        lastTransitionTime: '2025-01-01T00:00:00Z',
        reason: 'Pending',
        message: 'm',
      },
    ]);
  });

  it.each([
    ['keeps lastTransitionTime when only reason or message change', 'False', '2025-01-01T00:00:00Z'],
    ['moves lastTransitionTime when the status changes', 'True', '2025-01-01T00:05:00Z'],
  ] as const)('%s', (_name, status, expected) => {
    const first = setCondition([], { type: 'Ready', status: 'False', reason: 'A', message: 'a' }, 1, t1);
    const second = setCondition(first, { type: 'Ready', status, reason: 'B', message: 'b' }, 2, t2);
    expect(second).toHaveLength(1);
    expect(second[0]).toMatchObject({
      status,
      reason: 'B',
      message: 'b',
      observedGeneration: 2,
      lastTransitionTime: expected,
    });
  });
});

describe('jsonEqual', () => {
  it.each([
    [{ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }, true],
    [{ a: 1, x: undefined }, { a: 1 }, true],
    [{ a: [1, 2] }, { a: [2, 1] }, false],
    [{ a: 1 }, { a: '1' }, false],
    [null, {}, false],
  ])('%j vs %j → %s', (a, b, eq) => expect(jsonEqual(a, b)).toBe(eq));
});
