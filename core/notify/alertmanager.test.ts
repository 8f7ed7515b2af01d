import { describe, expect, it } from 'vitest';
import { parseInput } from '../validation.js';
import {
  AlertmanagerWebhook,
  MAX_ALERTS_SHOWN,
  alertTitle,
  digestAlerts,
  notificationKey,
  plainText,
  truncateBytes,
  wallTime,
} from './alertmanager.js';
import { alertmanagerNotification as webhookPayload } from '../../fakes/alertmanager.js';

const parse = (v: unknown) => parseInput(AlertmanagerWebhook, v, 'invalid_alert_notification');

describe('Alertmanager webhook payload (version 4)', () => {
  it('accepts what Alertmanager sends, ignoring fields it may add', () => {
    const w = parse({ ...webhookPayload(), somethingNew: true });
    expect(w.alerts[0]!.labels.alertname).toBe('ScenicCapacityOrange');
  });

  it.each([
    ['another version', { version: '3' }, 'version'],
    ['no alerts', { alerts: [] }, 'alerts'],
    ['an unknown status', { status: 'pending' }, 'status'],
    ['labels that are not strings', { commonLabels: { area: 1 } }, 'commonLabels.area'],
  ])('refuses %s, naming the field', (_what, over, field) => {
    let err: unknown;
    try {
      parse(webhookPayload(over));
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'invalid_alert_notification' });
    expect((err as { details: { fields: { path: string }[] } }).details.fields[0]!.path).toBe(field);
  });
});

describe('digest and text', () => {
  it('keeps the labels that say where, both summaries, and the highest firing severity', () => {
    const d = digestAlerts(parse(webhookPayload()));
    expect(d).toMatchObject({ status: 'firing', severity: 'warning', area: 'west-lake', firing: 1, more: 0 });
    expect(d.alerts[0]).toMatchObject({
      name: 'ScenicCapacityOrange',
      where: { area: 'west-lake', day: '2026-12-01' },
      summaryZh: expect.stringContaining('橙色') as unknown,
    });
    expect(alertTitle(d)).toBe('[Scenic 告警 FIRING] ScenicCapacityOrange · west-lake 2026-12-01');
    // 01:30:05Z is 09:30:05 in Shanghai
    expect(plainText(d, 'Asia/Shanghai')).toContain('开始 since 2026-12-01 09:30:05');
  });

  it('shows at most MAX_ALERTS_SHOWN alerts and counts the rest, with Alertmanager truncation', () => {
    const one = (webhookPayload().alerts as Record<string, unknown>[])[0]!;
    const alerts = Array.from({ length: MAX_ALERTS_SHOWN + 3 }, (_, i) => ({ ...one, fingerprint: `f${i}` }));
    const d = digestAlerts(parse(webhookPayload({ alerts, truncatedAlerts: 2 })));
    expect(d.alerts).toHaveLength(MAX_ALERTS_SHOWN);
    expect(d.more).toBe(5);
    expect(plainText(d, 'UTC')).toContain('另有 5 条 / 5 more');
  });

  it('gives one key to the same notification and another to a change', () => {
    const w = parse(webhookPayload());
    expect(notificationKey('ops', w)).toBe(notificationKey('ops', parse(webhookPayload())));
    expect(notificationKey('ops', w)).not.toBe(notificationKey('other', w));
    expect(notificationKey('ops', w)).not.toBe(
      notificationKey('ops', parse(webhookPayload({ status: 'resolved' }))),
    );
  });

  it('cuts UTF-8 text by bytes without splitting a character', () => {
    const s = '西湖'.repeat(1000); // 3 bytes each
    const cut = truncateBytes(s, 100);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(100);
    expect(cut.endsWith('\n…')).toBe(true);
    expect(cut).not.toContain('\uFFFD');
    expect(truncateBytes('short', 100)).toBe('short');
  });

  it('writes wall time in the given zone', () => {
    expect(wallTime('2026-12-01T16:00:00Z', 'Asia/Shanghai')).toBe('2026-12-02 00:00:00');
  });
});
