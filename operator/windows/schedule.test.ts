import { describe, expect, it } from 'vitest';
import { resolveArea } from '../api/defaults.js';
import { completeWindow, minimalArea } from '../api/fixtures.js';
import type { SalesWindow } from '../api/types.js';
import { areaScale, replicasFor, windowTimeline } from './schedule.js';

const T = Date.parse('2030-01-01T03:00:00Z');
const win = (name: string, peak: number, opensAt = T, lead = 600, closeAfter = 3_600_000): SalesWindow => ({
  ...completeWindow,
  metadata: { name, namespace: 'ns' },
  spec: {
    ...completeWindow.spec,
    areaRef: { name: 'a' },
    opensAt: new Date(opensAt).toISOString(),
    closesAt: new Date(opensAt + closeAfter).toISOString(),
    expectedPeakRps: peak,
    preScaleLeadSeconds: lead,
  },
});
const area = resolveArea({
  ...minimalArea,
  metadata: { name: 'a', namespace: 'ns' },
  spec: { ...minimalArea.spec, preScale: { coolDownSeconds: 300 } },
});

describe('windowTimeline', () => {
  it.each([
    ['before the lead', T - 600_001, 'Scheduled', false, false, T - 600_000],
    ['at opensAt − lead', T - 600_000, 'PreScaling', true, false, T],
    ['at opensAt', T, 'Open', true, true, T + 3_600_000],
    ['at closesAt', T + 3_600_000, 'Closed', true, false, T + 3_900_000],
    ['after the cool-down', T + 3_900_000, 'Closed', false, false, undefined],
  ] as const)('%s', (_n, now, phase, scaling, channelsOpen, nextAt) => {
    expect(windowTimeline(win('w', 100), 300, now)).toMatchObject({ phase, scaling, channelsOpen, nextAt });
  });
});

describe('replicasFor', () => {
  it.each([
    [4000, 200, 1.5, 30],
    [4001, 200, 1.5, 31],
    [100, 200, 1, 1],
    [1, 10_000, 1, 1],
    [3000, 300, 1.1, 11],
  ])('peak %i rps at %i/pod × %f → %i', (peak, perPod, headroom, n) =>
    expect(replicasFor(peak, perPod, headroom)).toBe(n),
  );
});

describe('areaScale', () => {
  it('keeps the normal floor without active windows', () => {
    expect(areaScale(area, [win('w', 4000)], T - 700_000)).toMatchObject({
      api: { min: 2, requested: 0 },
      worker: { min: 1 },
      by: [],
      nextAt: T - 600_000,
    });
  });
  it('takes the maximum over overlapping windows', () => {
    const s = areaScale(
      area,
      [win('small', 600), win('big', 1200, T + 60_000), win('later', 99_999, T + 86_400_000)],
      T + 120_000,
    );
    expect(s.api).toEqual({ min: 9, requested: 9, capped: false });
    expect(s.by).toEqual(['big', 'small']);
  });
  it('caps at maxReplicas and says so', () => {
    expect(areaScale(area, [win('huge', 1_000_000)], T).api).toEqual({
      min: 10,
      requested: 7500,
      capped: true,
    });
  });
  it('never lowers the floor below the spec minimum', () => {
    expect(areaScale(area, [win('tiny', 1)], T).api.min).toBe(2);
  });
});
