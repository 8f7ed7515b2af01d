import { readSwitches, setChannelPaused } from '../../core/inventory/switches.js';
import { admitted } from '../dataplane/claims.js';
import { resolveArea } from '../api/defaults.js';
import { localDate, msUntilNextLocalDay } from '../../core/time.js';
import type { ScenicArea } from '../api/types.js';
import { OPERATOR_ACTOR, type OperatorContext } from '../context.js';
import type { ReconcileResult } from '../kube/controller.js';
import { RT } from '../kube/resources.js';
import { patchStatusIfChanged } from '../kube/status.js';
import { windowsOf, windowTimeline } from '../windows/schedule.js';
import { channelStates, desiredSwitches } from './channels.js';

/**
 * The channel-switch controller: pushes each declared channel's switch (spec pause,
 * windowed channel outside its windows) to the data plane when Redis differs, and writes
 * each channel's effective state (switches, staff overrides, today's capacity level) to
 * the status. Staff overrides are theirs: reported, never written (ADR 0010). Acts only
 * for an admitted area (its claim held, issue 17.13). Requeues itself at the next window
 * boundary and at local midnight ("today" changes).
 */
export function switchesReconciler(ctx: OperatorContext) {
  return async (key: string): Promise<ReconcileResult> => {
    const area = ctx.caches.areas.get(key);
    if (!area || area.metadata.deletionTimestamp) return {};
    if (!(await admitted(area, ctx))) return {};
    const a = resolveArea(area);
    const now = ctx.now();
    let today: string;
    try {
      today = localDate(now, a.timezone);
    } catch {
      return {}; // invalid time zone: reported by the area controller
    }
    const open = new Set<string>();
    let nextAt = now.getTime() + msUntilNextLocalDay(now, a.timezone);
    for (const w of windowsOf(a.name, a.namespace, ctx.caches.windows.list())) {
      const t = windowTimeline(w, a.coolDownSeconds, now.getTime());
      if (t.channelsOpen) for (const c of w.spec.channels) open.add(c);
      for (const at of [t.opensAt, t.closesAt]) if (at > now.getTime()) nextAt = Math.min(nextAt, at);
    }

    const redis = ctx.redis.forPrefix(a.redisPrefix);
    const switches = await readSwitches(redis, a.areaId);
    for (const d of desiredSwitches(a, open)) {
      if (d.paused === switches.declared.has(d.channel)) continue;
      await setChannelPaused(redis, {
        prefix: a.redisPrefix,
        areaId: a.areaId,
        channelId: d.channel,
        paused: d.paused,
        actor: OPERATOR_ACTOR,
        reason: d.reason,
        now: now.getTime(),
      });
      ctx.recorder.event(
        area,
        'Normal',
        d.paused ? 'ChannelPaused' : 'ChannelResumed',
        `${d.channel}: ${d.reason}`,
      );
    }

    const states = channelStates(a, area.status?.levels ?? [], open, today, switches.overrides);
    noteStateChanges(ctx, area, states);
    await patchStatusIfChanged(ctx.client, RT.area, a.namespace, a.name, area.status, { channels: states });
    return { requeueAfterMs: Math.max(0, nextAt - now.getTime()) + 10 };
  };
}

function noteStateChanges(ctx: OperatorContext, area: ScenicArea, states: ReturnType<typeof channelStates>) {
  const before = new Map((area.status?.channels ?? []).map((c) => [c.name, c]));
  for (const s of states) {
    const old = before.get(s.name);
    if (!old || old.state === s.state) continue;
    ctx.recorder.event(
      area,
      s.state === 'Open' ? 'Normal' : 'Warning',
      `Channel${s.state}`,
      `${s.name}: ${old.state} → ${s.state} (${s.reason}: ${s.message ?? ''})`,
    );
  }
}
