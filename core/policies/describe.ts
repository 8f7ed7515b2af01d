import { cutoffHours } from './decide.js';
import type { Cutoff, Fee, ProductPolicy } from './model.js';

/**
 * What a visitor or a partner is told about a product's policy before buying: the same
 * object the rules read, plus one plain sentence per rule in Chinese and English.
 */
export interface PolicyView {
  refund: {
    allowed: boolean;
    /** hours before the slot starts after which refunds stop; 0: at the start; null: until used */
    cutoffHours: number | null;
    fee: Fee | null;
    partial: boolean;
  };
  reschedule: {
    allowed: boolean;
    cutoffHours: number | null;
    freeCount: number;
    maxCount: number;
    fee: Fee | null;
  };
  summary: { zh: string; en: string };
}

const yuan = (fen: number) => (fen / 100).toFixed(2).replace(/\.00$/, '');
const feeEn = (f: Fee | null) =>
  !f ? 'free' : f.kind === 'percent' ? `${f.bps / 100}% fee` : `¥${yuan(f.amount)} fee`;
const feeZh = (f: Fee | null) =>
  !f ? '免费' : f.kind === 'percent' ? `收取${f.bps / 100}%手续费` : `收取¥${yuan(f.amount)}手续费`;
const untilEn = (c: Cutoff) =>
  c.kind === 'none'
    ? 'until used'
    : c.kind === 'slot_start'
      ? 'until the slot starts'
      : `until ${c.hours} h before the slot`;
const untilZh = (c: Cutoff) =>
  c.kind === 'none' ? '未使用前' : c.kind === 'slot_start' ? '场次开始前' : `场次开始前${c.hours}小时`;

/** The policy as the offers, the visitor page and the partner API show it. */
export function viewPolicy(p: ProductPolicy): PolicyView {
  const r = p.refund;
  const s = p.reschedule;
  const en = [
    r.allowed
      ? `Refunds ${untilEn(r.cutoff)}, ${feeEn(r.fee)}${r.partial ? '' : ', whole order only'}.`
      : 'Not refundable.',
    s.allowed
      ? `Reschedule ${untilEn(s.cutoff)}: ${s.freeCount} free${s.fee ? `, then ${feeEn(s.fee)}` : ''} (at most ${s.maxCount}).`
      : 'Cannot be rescheduled.',
  ].join(' ');
  const zh = [
    r.allowed ? `${untilZh(r.cutoff)}可退，${feeZh(r.fee)}${r.partial ? '' : '，须整单退'}。` : '不可退。',
    s.allowed
      ? `${untilZh(s.cutoff)}可改期，${s.freeCount}次免费${s.fee ? `，之后${feeZh(s.fee)}` : ''}（最多${s.maxCount}次）。`
      : '不可改期。',
  ].join('');
  return {
    refund: { allowed: r.allowed, cutoffHours: cutoffHours(r.cutoff), fee: r.fee, partial: r.partial },
    reschedule: {
      allowed: s.allowed,
      cutoffHours: cutoffHours(s.cutoff),
      freeCount: s.freeCount,
      maxCount: s.maxCount,
      fee: s.fee,
    },
    summary: { zh, en },
  };
}
