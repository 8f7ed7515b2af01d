import { useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { todayIn } from '../lib/dates.js';
import { money } from '../lib/i18n.js';
import { Notice, useUi } from '../lib/ui.js';
import { useFetch } from '../lib/use-fetch.js';

/** What GET /v1/me/member answers (api/openapi-members.ts). */
interface Membership {
  memberNo: string;
  member: boolean;
  level: string | null;
  points: number;
  marketingConsent: { given: boolean };
  coupons: { code: string; areaId: string }[];
}
interface Day {
  slots: { slotId: string; prices: { productId: string; unitPrice: number }[] }[];
}

// this card's own strings: kept beside it so the shared dictionary has one lane's hook fewer
const TEXT = {
  zh: {
    title: '会员',
    notYet: '再来一次即可成为会员',
    member: '会员',
    no: '会员号',
    level: '等级',
    points: '积分',
    memberPrice: '会员价',
    price: '票价',
    coupons: '优惠券',
    consent: '接收优惠信息',
    export: '导出我的数据',
    erase: '删除我的个人信息',
    eraseConfirm: '删除后姓名、手机号、证件号将被抹去，订单金额记录保留。确定吗？',
    erased: '个人信息已删除',
  },
  en: {
    title: 'Membership',
    notYet: 'One more visit makes you a member',
    member: 'Member',
    no: 'Member no.',
    level: 'Level',
    points: 'Points',
    memberPrice: 'Member price',
    price: 'Price',
    coupons: 'Coupons',
    consent: 'Send me offers',
    export: 'Export my data',
    erase: 'Delete my personal data',
    eraseConfirm: 'Your name, phone and ID will be erased; the order amounts are kept. Continue?',
    erased: 'Your personal data was deleted',
  },
};

/** The signed-in visitor's member status, points and the member price today (issue 22). */
export function MemberCard({ session, areaId }: { session: string; areaId: string }) {
  const { lang } = useUi();
  const x = TEXT[lang];
  const [note, setNote] = useState<string | null>(null);
  const mine = useFetch<Membership>(note ? null : '/v1/me/member', { auth: session });
  const today = todayIn('Asia/Shanghai');
  const path = `/v1/areas/${encodeURIComponent(areaId)}/availability?date=${today}`;
  // the same availability twice: as anyone sees it, and as this member pays it
  const list = useFetch<Day>(path);
  const asMember = useFetch<Day>(mine.data?.member ? path : null, { auth: session });
  const m = mine.data;
  if (note) return <Notice kind="info">{note}</Notice>;
  if (!m) return null;
  const listed = list.data?.slots[0]?.prices ?? [];
  const member = asMember.data?.slots[0]?.prices ?? [];
  const consent = (given: boolean) =>
    void api('/v1/me/member/consent', { method: 'PUT', auth: session, body: { marketing: given } }).then(() =>
      mine.reload(),
    );
  const download = async () => {
    const data = await api<unknown>('/v1/me/member/export', { auth: session });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
    a.download = `scenic-member-${m.memberNo}.json`;
    a.click();
  };
  const erase = () => {
    if (!confirm(x.eraseConfirm)) return;
    void api('/v1/me/member/deletion', { method: 'POST', auth: session }).then(() => setNote(x.erased));
  };
  return (
    <section class="panel" data-testid="member-card">
      <h3>{x.title}</h3>
      <p>
        {m.member ? <span class="badge issued">{x.member}</span> : x.notYet} · {x.no} {m.memberNo}
      </p>
      <p data-testid="member-points">
        {x.points}: <strong>{m.points}</strong>
        {m.level && ` · ${x.level}: ${m.level}`}
      </p>
      {m.member && member.length > 0 && (
        <ul data-testid="member-prices">
          {member.map((p) => {
            const base = listed.find((l) => l.productId === p.productId)?.unitPrice;
            return (
              <li key={p.productId}>
                {p.productId}: {x.memberPrice} <strong>{money(p.unitPrice)}</strong>
                {base !== undefined && base !== p.unitPrice && (
                  <>
                    {' '}
                    ({x.price} <s>{money(base)}</s>)
                  </>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {m.coupons.length > 0 && (
        <p>
          {x.coupons}: {m.coupons.map((c) => c.code).join(', ')}
        </p>
      )}
      <label>
        <input
          type="checkbox"
          checked={m.marketingConsent.given}
          onChange={(e) => consent(e.currentTarget.checked)}
        />{' '}
        {x.consent}
      </label>
      <p class="actions">
        <button type="button" onClick={() => void download()}>
          {x.export}
        </button>{' '}
        <button type="button" onClick={erase}>
          {x.erase}
        </button>
      </p>
    </section>
  );
}
