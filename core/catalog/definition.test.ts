import { describe, expect, it } from 'vitest';
import { AreaDefinition } from './definition.js';
import { demoArea } from './demo.js';

describe('AreaDefinition', () => {
  const withProduct = (extra: Record<string, unknown>) => {
    const a = demoArea({ id: 'def-park' });
    return { ...a, products: [{ ...a.products[0]!, id: 'pass', ...extra }] };
  };

  it('takes a re-entry product, and one that releases its capacity on exit', () => {
    expect(AreaDefinition.safeParse(withProduct({ reentry: true })).success).toBe(true);
    expect(AreaDefinition.safeParse(withProduct({ releaseOnExit: true })).success).toBe(true);
  });

  it('refuses a product that would do both: a visitor who may come back keeps their place', () => {
    const r = AreaDefinition.safeParse(withProduct({ reentry: true, releaseOnExit: true }));
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]).toMatchObject({
      path: ['products', 0, 'releaseOnExit'],
      message: expect.stringContaining('re-entry') as unknown,
    });
  });
});
