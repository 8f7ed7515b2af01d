import type { Knex } from 'knex';
import type { MemberAccountRow } from '../db/tables.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { PiiVault } from '../pii/crypto.js';
import { maskPhone } from '../pii/mask.js';
import type { SmsSender } from '../notify/sms.js';
import { MiniProgramRefused, type MiniProgramSender } from '../notify/mini-program.js';
import type { CampaignRow } from './campaigns.js';
import { issueCampaignCoupon } from './coupons.js';
import { unsubscribeLink } from './opt-out.js';
import { sendDecision } from './policy.js';
import { loadCampaignSettings } from './settings.js';

/**
 * Delivery of a started campaign, one member at a time (the campaigns worker's job).
 *
 * Idempotent per member and campaign, and at most once: a member's send row is claimed
 * (`pending` → `sending`, its coupon issued) in a transaction that holds the member's
 * account row, so consent, the send limit and quiet hours are decided under that lock;
 * the message goes out after the commit, and the row becomes `sent`. A retried job skips
 * every row that is no longer pending, so it never sends twice. A transport error puts
 * the row back to `pending` and fails the job (BullMQ retries it, and it resumes where
 * it stopped). A row left `sending` by a process that died between the claim and the
 * answer is not sent again — whether the provider got it is unknown, and a second
 * message is worse than none — it becomes `unconfirmed` and shows in the campaign's counts.
 */
export interface DeliveryDeps {
  db: Knex;
  vault: PiiVault;
  sms: SmsSender;
  mini?: MiniProgramSender;
  log: Logger;
  clock: Clock;
  /** where the unsubscribe link points */
  publicUrl: string;
}

export interface RunResult {
  sent: number;
  skipped: number;
  /** when the next deferred message is due (the job comes back then), if any */
  nextAt?: Date;
  done: boolean;
}

/** A claimed row older than this was left by a process that died mid-send. */
const SENDING_LEASE_MS = 5 * 60_000;
const MAX_ATTEMPTS = 3;
const BATCH = 50;

interface Claimed {
  accountId: string;
  memberNo: string;
  phone: string | null;
  openid: string | null;
  code: string;
  validUntil: Date;
}

export async function runCampaign(d: DeliveryDeps, campaignId: string): Promise<RunResult> {
  const c: CampaignRow | undefined = await d.db('campaigns').where({ id: campaignId }).first();
  if (!c || c.status !== 'sending') return { sent: 0, skipped: 0, done: true };
  const settings = await loadCampaignSettings(d.db, c.area_id);
  const area = await d.db('areas').where({ id: c.area_id }).first('timezone');
  const timezone = area?.timezone ?? 'Asia/Shanghai';
  await d
    .db('campaign_sends')
    .where({ campaign_id: c.id, state: 'sending' })
    .where('updated_at', '<', new Date(d.clock.now().getTime() - SENDING_LEASE_MS))
    .update({ state: 'unconfirmed', reason: 'crashed_mid_send', updated_at: d.clock.now() });
  const out: RunResult = { sent: 0, skipped: 0, done: false };
  for (;;) {
    const now = d.clock.now();
    const due = await d
      .db('campaign_sends')
      .where({ campaign_id: c.id, state: 'pending' })
      .andWhere((w) => void w.whereNull('not_before').orWhere('not_before', '<=', now))
      .orderBy('account_id')
      .limit(BATCH)
      .pluck<string[]>('account_id');
    if (!due.length) break;
    for (const accountId of due) {
      const claimed = await claim(d, c, accountId, { ...settings, timezone }, now);
      if (claimed === 'skipped') out.skipped++;
      if (typeof claimed !== 'object') continue;
      await deliver(d, c, claimed);
      out.sent++;
    }
  }
  const left = await d
    .db('campaign_sends')
    .where({ campaign_id: c.id })
    .whereIn('state', ['pending', 'sending'])
    .select<{ at: Date | null; n: string }[]>(d.db.raw('min(not_before) as at'), d.db.raw('count(*) as n'));
  const n = Number(left[0]?.n ?? 0);
  if (n === 0) {
    await d
      .db('campaigns')
      .where({ id: c.id, status: 'sending' })
      .update({ status: 'done', finished_at: d.clock.now() });
    out.done = true;
  } else if (left[0]?.at) out.nextAt = new Date(left[0].at);
  return out;
}

/** Decides one member's send under the lock of their account; claims it (coupon issued) when it goes. */
async function claim(
  d: DeliveryDeps,
  c: CampaignRow,
  accountId: string,
  s: Awaited<ReturnType<typeof loadCampaignSettings>> & { timezone: string },
  now: Date,
): Promise<Claimed | 'skipped' | 'deferred' | 'gone'> {
  return d.db.transaction(async (trx) => {
    const row = await trx('campaign_sends')
      .where({ campaign_id: c.id, account_id: accountId, state: 'pending' })
      .forUpdate()
      .first('attempts');
    if (!row) return 'gone';
    // the account row serialises this member's sends across campaigns (the limit holds)
    const a: MemberAccountRow | undefined = await trx('member_accounts')
      .where({ id: accountId })
      .forUpdate()
      .first();
    const [sent] = await trx('campaign_sends')
      .where({ account_id: accountId, area_id: c.area_id, state: 'sent' })
      .where('sent_at', '>=', new Date(now.getTime() - s.perMember.days * 86_400_000))
      .count<{ n: string }[]>({ n: '*' });
    const decision = sendDecision({
      erased: !a || a.deleted_at !== null || !a.phone_enc,
      consent: Boolean(a?.marketing_consent),
      sentInPeriod: Number(sent?.n ?? 0),
      perMember: s.perMember,
      quietHours: s.quietHours,
      timezone: s.timezone,
      now,
    });
    const key = { campaign_id: c.id, account_id: accountId };
    if (decision.action === 'skip') {
      await trx('campaign_sends')
        .where(key)
        .update({ state: 'skipped', reason: decision.reason, updated_at: now });
      return 'skipped';
    }
    if (!a) return 'gone'; // skipped above as erased: never reached
    if (decision.action === 'defer') {
      await trx('campaign_sends')
        .where(key)
        .update({ not_before: decision.until, reason: decision.reason, updated_at: now });
      return 'deferred';
    }
    const code = await issueCampaignCoupon(
      trx,
      { campaignId: c.id, areaId: c.area_id, accountId, offer: c.offer },
      now,
    );
    await trx('campaign_sends')
      .where(key)
      .update({
        state: 'sending',
        coupon_code: code,
        reason: null,
        attempts: row.attempts + 1,
        updated_at: now,
      });
    const coupon = await trx('campaign_coupons').where({ area_id: c.area_id, code }).first('valid_until');
    return {
      accountId,
      memberNo: a.member_no,
      phone: a.phone_enc ? d.vault.decrypt(a.phone_enc) : null,
      openid: a.mp_openid_enc ? d.vault.decrypt(a.mp_openid_enc) : null,
      code,
      validUntil: coupon!.valid_until,
    };
  });
}

/** Sends the claimed message: the mini-program when the member subscribed there, else SMS. */
async function deliver(d: DeliveryDeps, c: CampaignRow, m: Claimed): Promise<void> {
  const key = { campaign_id: c.id, account_id: m.accountId };
  const link = unsubscribeLink(d.vault, d.publicUrl, m.memberNo);
  let channel: 'miniprogram' | 'sms' | undefined;
  try {
    if (d.mini && c.template_id && m.openid) {
      try {
        await d.mini.send({
          openid: m.openid,
          templateId: c.template_id,
          page: `pages/member/coupons?code=${m.code}`,
          data: {
            thing1: { value: c.name.slice(0, 20) },
            character_string2: { value: m.code },
            date3: { value: m.validUntil.toISOString().slice(0, 10) },
          },
        });
        channel = 'miniprogram';
      } catch (e) {
        // not subscribed (or the one-time acceptance spent): the SMS carries it instead
        if (!(e instanceof MiniProgramRefused)) throw e;
      }
    }
    if (!channel && m.phone) {
      await d.sms.send(m.phone, `${c.message} Coupon ${m.code}. Reply TD to stop, or ${link}`);
      channel = 'sms';
    }
  } catch (e) {
    const row = await d.db('campaign_sends').where(key).first('attempts');
    const failed = (row?.attempts ?? 0) >= MAX_ATTEMPTS;
    await d
      .db('campaign_sends')
      .where(key)
      .update({
        state: failed ? 'failed' : 'pending',
        reason: 'transport_error',
        updated_at: d.clock.now(),
      });
    d.log.warn(
      { campaignId: c.id, to: m.phone ? maskPhone(m.phone) : null, err: (e as Error).message },
      'campaign message not sent',
    );
    throw e;
  }
  await d
    .db('campaign_sends')
    .where(key)
    .update({
      state: channel ? 'sent' : 'skipped',
      channel: channel ?? null,
      reason: channel ? null : 'no_channel',
      sent_at: channel ? d.clock.now() : null,
      updated_at: d.clock.now(),
    });
  d.log.info({ campaignId: c.id, to: m.phone ? maskPhone(m.phone) : null, channel }, 'campaign message sent');
}
