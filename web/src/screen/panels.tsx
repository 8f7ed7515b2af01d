import type { ScreenSnapshot } from '../../../core/screen/model.js';
import type { Lang } from '../lib/i18n.js';
import type { ScreenDict } from './i18n.js';

const fill = (s: string, v: Record<string, string | number>) =>
  s.replace(/\{(\w+)\}/g, (_, k: string) => String(v[k] ?? ''));

/** The screen's panels; every figure comes straight from the snapshot. */
export function Panels({ s, t, lang }: { s: ScreenSnapshot; t: ScreenDict; lang: Lang }) {
  const n = (x: number) => x.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB');
  return (
    <main>
      <section class={`now level-${s.occupancyLevel}`} aria-label={t.inPark}>
        <h2>{t.inPark}</h2>
        <p class="big" data-testid="in-park">
          {n(s.inPark)}
        </p>
        <p class="of">
          {fill(t.ofCapacity, { n: n(s.instantCapacity) })} · <strong>{s.occupancyPct}%</strong> ·{' '}
          <span class="badge">{t.levels[s.occupancyLevel]}</span>
        </p>
        <p class="totals">
          {fill(t.entries, { n: n(s.entriesToday) })} · {fill(t.exits, { n: n(s.exitsToday) })}
        </p>
      </section>
      <Flow s={s} t={t} />
      <Zones s={s} t={t} lang={lang} />
      <Alerts s={s} t={t} lang={lang} />
      <section class={`day level-${s.day.level}`}>
        <h2>{t.day}</h2>
        {s.day.initialised ? (
          <>
            <p class="mid">
              {fill(t.sold, { used: n(s.day.used), cap: n(s.day.capacity) })}{' '}
              <span class="badge">{t.levels[s.day.level]}</span>
            </p>
            <h3>{t.slots}</h3>
            <ul class="rows">
              {s.day.slots.map((x) => (
                <li key={x.slotId} class={`level-${x.level}`}>
                  <span>{x.slotId}</span>
                  <b>
                    {n(x.used)} / {n(x.capacity)}
                  </b>
                  <span class="badge">{t.levels[x.level]}</span>
                </li>
              ))}
            </ul>
          </>
        ) : (
          <p class="none">{t.notOpen}</p>
        )}
      </section>
      <section class="sales">
        <h2>{t.sales}</h2>
        {s.sales.length ? (
          <ul class="rows">
            {s.sales.map((c) => (
              <li key={c.channelId}>
                <span>{c.channelId}</span>
                <b>{n(c.tickets)}</b>
              </li>
            ))}
          </ul>
        ) : (
          <p class="none">{t.noSales}</p>
        )}
      </section>
    </main>
  );
}

/** Entries per minute per entrance, as bars scaled to the busiest minute on screen. */
function Flow({ s, t }: { s: ScreenSnapshot; t: ScreenDict }) {
  const max = Math.max(1, ...s.entrances.flatMap((e) => e.minutes.map((m) => m.entries)));
  return (
    <section class="flow">
      <h2>{fill(t.flow, { n: s.flowMinutes })}</h2>
      {s.entrances.length ? (
        s.entrances.map((e) => (
          <div class="entrance" key={e.entranceId}>
            <span class="name">{e.entranceId}</span>
            <span class="bars" aria-hidden="true">
              {e.minutes.map((m) => (
                <i key={m.minute} style={{ height: `${(100 * m.entries) / max}%` }} />
              ))}
            </span>
            <b>{fill(t.lastMinute, { n: e.minutes.at(-1)?.entries ?? 0 })}</b>
          </div>
        ))
      ) : (
        <p class="none">{t.noFlow}</p>
      )}
    </section>
  );
}

/**
 * Alerts firing now, most severe first (the server's order): a severity badge, the rule's
 * words in the screen's language, and since when. A resolved alert is gone at the next
 * snapshot; with none open the panel says so rather than disappearing.
 */
function Alerts({ s, t, lang }: { s: ScreenSnapshot; t: ScreenDict; lang: Lang }) {
  const worst = s.alerts[0]?.severity;
  const since = (iso: string) =>
    new Date(iso).toLocaleTimeString(lang === 'zh' ? 'zh-CN' : 'en-GB', {
      hour: '2-digit',
      minute: '2-digit',
      hour12: false,
    });
  return (
    <section class={`alerts${worst ? ` sev-${worst}` : ''}`} aria-label={t.alerts} data-testid="alerts">
      <h2>
        {t.alerts}
        {s.alerts.length ? ` · ${s.alerts.length}` : ''}
      </h2>
      {s.alerts.length ? (
        <ul class="rows alert-rows">
          {s.alerts.map((a) => (
            <li key={a.id} class={`sev-${a.severity}`} data-severity={a.severity}>
              <span class="sev">{t.severity[a.severity]}</span>
              <span class="what">{(lang === 'zh' && a.summaryZh) || a.summary}</span>
              <span class="since">{fill(t.since, { time: since(a.since) })}</span>
            </li>
          ))}
        </ul>
      ) : (
        <p class="none">{t.noAlerts}</p>
      )}
    </section>
  );
}

/** Zone heat: each zone's people against its instantaneous capacity, as a bar in its level's colour. */
function Zones({ s, t, lang }: { s: ScreenSnapshot; t: ScreenDict; lang: Lang }) {
  const n = (x: number) => x.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB');
  return (
    <section class="zones" aria-label={t.zones} data-testid="zones">
      <h2>{t.zones}</h2>
      {s.zones.length ? (
        <ul class="zone-rows">
          {s.zones.map((z) => (
            <li key={z.zoneId} class={`level-${z.level}`} data-zone={z.zoneId} data-level={z.level}>
              <span class="zname">{z.name[lang]}</span>
              <b class="zcount">
                {n(z.inZone)} / {n(z.capacity)}
              </b>
              <span class="badge">
                {z.pct}% {t.levels[z.level]}
              </span>
              <span class="heat" aria-hidden="true">
                <i style={{ width: `${Math.min(100, z.pct)}%` }} />
              </span>
            </li>
          ))}
        </ul>
      ) : (
        <p class="none">{t.noZones}</p>
      )}
    </section>
  );
}
