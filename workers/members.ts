import { Queue, type Job } from 'bullmq';
import type { Platform } from '../core/platform.js';
import { applyMemberEvent, applyPendingMemberEvents, type MemberEvent } from '../core/members/events.js';
import { bullPrefix, QUEUES, startSweepingWorker } from './queues.js';

/**
 * members: applies the member rules, points and levels from the books (issue 22). `sweep`
 * (scheduled) applies every pending event — paid member orders, admitted entries on
 * member tickets, refunds, lapsed holds with points; `event` applies one (a replay). Both
 * are idempotent by the event's key (core/members/events.ts): a replay changes nothing.
 */
export type MembersJob = { kind: 'sweep' } | { kind: 'event'; event: MemberEvent };

export function membersProcessor(p: Platform) {
  return async (job: Job<MembersJob>) => {
    const now = () => p.clock.now();
    if (job.data.kind === 'event') return applyMemberEvent(p.db, job.data.event, now());
    return { applied: await applyPendingMemberEvents(p.db, now) };
  };
}

export function membersQueue(p: Platform): Queue<MembersJob> {
  return new Queue<MembersJob>(QUEUES.members, {
    connection: p.connectRedis({ prefixed: false, forQueues: true }),
    prefix: bullPrefix(p),
  });
}

/** The processor and its sweep every `everyMs`; close both on shutdown. */
export async function startMembers(p: Platform, everyMs = 10_000): Promise<{ close(): Promise<void> }> {
  return startSweepingWorker(
    p,
    QUEUES.members,
    membersProcessor(p),
    membersQueue(p),
    { kind: 'sweep' },
    everyMs,
  );
}
