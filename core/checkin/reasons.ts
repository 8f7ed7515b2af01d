/**
 * Why a gate opened or stayed shut. The codes are part of the public contract (the
 * turnstile firmware, the crowd screen and the staff console match on them, never on
 * the display text), in the style of pretix's check-in reason constants.
 */
export const REASONS = [
  'ok',
  'already_redeemed',
  'already_inside',
  'revoked',
  'not_issued',
  'wrong_area',
  'wrong_date',
  'too_early',
  'too_late',
  'wrong_entrance',
  'invalid_signature',
  'unknown_key',
  'malformed',
  'unknown_ticket',
  'capacity_full',
  'unsupported_media',
  'not_allowed_for_device',
  'journal_unavailable',
  'gate_not_ready',
  // an exit passage with neither a ticket nor a sensor event: it opens, but is not counted (17.2)
  'exit_not_counted',
  // an open-dated ticket past its validity days (17.12)
  'expired',
  // an annual pass on one of its blackout days (core/passes)
  'blackout_date',
  // an annual pass on a busy day without a free slot booking for it
  'booking_required',
  // an ID card at a handheld: looked up online only (17.5), and the centre is out of reach
  'id_lookup_offline',
  // an ID card at a handheld: the handheld's online lookups are over their rate limit
  'id_lookup_limited',
  // a group ticket: more persons asked to go through than the party has still outside (core/groups)
  'party_exceeded',
] as const;

export type CheckinReason = (typeof REASONS)[number];
export type DenyReason = Exclude<CheckinReason, 'ok'>;

/** The line a visitor reads on the gate's display (bilingual; the area's signage languages). */
export const DISPLAY: Record<CheckinReason, string> = {
  ok: '欢迎光临 Welcome',
  already_redeemed: '票已使用 Ticket already used',
  already_inside: '此票已在园内 请先出园 Ticket already inside: exit first',
  revoked: '票已退改 Ticket refunded or changed',
  not_issued: '票未出票 Ticket not issued yet',
  wrong_area: '非本景区门票 Ticket for another area',
  wrong_date: '非当日门票 Ticket not valid today',
  too_early: '未到入园时段 Too early for your time slot',
  too_late: '入园时段已过 Your time slot has passed',
  wrong_entrance: '请走其他入口 Please use another entrance',
  invalid_signature: '无效票码 Invalid code',
  unknown_key: '无效票码 Invalid code',
  malformed: '无法识别 Code not readable',
  unknown_ticket: '未找到门票 No ticket found',
  capacity_full: '园内已满 请稍候 Park full, please wait',
  unsupported_media: '不支持此验证方式 Not accepted here',
  not_allowed_for_device: '此设备不可操作 Not allowed on this device',
  journal_unavailable: '系统故障 请走人工通道 Please use the staffed lane',
  gate_not_ready: '闸机未就绪 请走人工通道 Gate not ready, please use the staffed lane',
  exit_not_counted: '再见 Goodbye',
  expired: '门票已过期 Ticket expired',
  blackout_date: '年卡今日不可用 Pass not valid today',
  booking_required: '今日需预约 Booking required today',
  id_lookup_offline: '离线无法查验证件 请出示二维码 Offline: ID cards need the network, show the QR code',
  id_lookup_limited: '证件查验过于频繁 请稍候或出示二维码 Too many ID lookups: wait or show the QR code',
  party_exceeded: '超出团队剩余人数 More persons than the group has left',
};

export const isReason = (s: string): s is CheckinReason => (REASONS as readonly string[]).includes(s);
