/**
 * Notifications as Alertmanager 0.25 posts them to a `webhook_configs` receiver (payload
 * version 4), for tests of the alert relay that do not run an Alertmanager.
 */
/** One firing capacity alert of west-lake; `over` replaces top-level fields. */
export function alertmanagerNotification(
  over: Partial<Record<string, unknown>> = {},
): Record<string, unknown> {
  return {
    receiver: 'scenic-route-0',
    status: 'firing',
    alerts: [
      {
        status: 'firing',
        labels: {
          alertname: 'ScenicCapacityOrange',
          area: 'west-lake',
          day: '2026-12-01',
          severity: 'warning',
        },
        annotations: {
          summary: 'west-lake 2026-12-01 is at ORANGE (85 %): online channels are paused.',
          summary_zh: 'west-lake 2026-12-01 已达橙色（85%）：线上渠道已暂停。',
        },
        startsAt: '2026-12-01T01:30:05.123456789Z',
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus:9090/graph?g0.expr=…',
        fingerprint: '5e0f0a3f3b7c1a2d',
      },
    ],
    groupLabels: { alertname: 'ScenicCapacityOrange', area: 'west-lake', day: '2026-12-01' },
    commonLabels: {
      alertname: 'ScenicCapacityOrange',
      area: 'west-lake',
      day: '2026-12-01',
      severity: 'warning',
    },
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    version: '4',
    groupKey:
      '{}/{area=~"^(?:west-lake)$"}:{alertname="ScenicCapacityOrange", area="west-lake", day="2026-12-01"}',
    truncatedAlerts: 0,
    ...over,
  };
}
