import { describe, expect, it } from 'vitest';
import type { Area } from '../lib/api.js';
import { bookReducer, initialBook, orderBody } from './book-state.js';

const area = {
  id: 'cmb',
  name: 'Combo area',
  timezone: 'Asia/Shanghai',
  dailyCapacity: 100,
  entrances: [],
  slots: [],
  products: [],
} as unknown as Area;

describe('the combo picks of the booking page (issue 18)', () => {
  it('sends the picked departure and showtime with the order, and none when nothing was picked', () => {
    const none = orderBody(area, initialBook('k'));
    expect(none).not.toHaveProperty('sessions');
    let s = bookReducer(initialBook('k'), { type: 'date', date: '2026-12-03' });
    s = bookReducer(s, { type: 'session', componentId: 'bus', sessionId: 'b0900' });
    s = bookReducer(s, { type: 'session', componentId: 'show', sessionId: 's1930' });
    s = bookReducer(s, { type: 'session', componentId: 'bus', sessionId: 'b1400' });
    expect(orderBody(area, s).sessions).toEqual({ bus: 'b1400', show: 's1930' });
  });

  it('forgets the picks when the date changes: seats left are per day', () => {
    let s = bookReducer(initialBook('k'), { type: 'session', componentId: 'bus', sessionId: 'b0900' });
    s = bookReducer(s, { type: 'date', date: '2026-12-04' });
    expect(s.sessions).toEqual({});
  });
});
