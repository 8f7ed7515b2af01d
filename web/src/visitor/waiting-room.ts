import { useEffect, useState } from 'preact/hooks';
import { newKey, queueStateOf, tellQueue } from '../lib/api.js';
import { readKey, writeKey } from '../lib/store.js';

/**
 * The presale waiting room (api/presale.ts): join once per device, then ask for the
 * status as often as Retry-After says, until admitted. While waiting, the queue panel
 * shows the place in line and the wait; admitted buyers get a short-lived admission
 * token that the presale hold path requires. No room open (409) = ordinary sales.
 */
export type Room =
  | { kind: 'checking' }
  | { kind: 'none' }
  | { kind: 'waiting' }
  | { kind: 'admitted'; token: string; expiresAt: number };

/** This phone's device id: the waiting room numbers devices, and an admission holds only from its own. */
export const deviceId = (): string => {
  let d = readKey<string | null>('scenic.device.v1', null);
  if (!d) writeKey('scenic.device.v1', (d = newKey()));
  return d;
};

export function useWaitingRoom(areaId: string | null): [Room, () => void] {
  const [room, setRoom] = useState<Room>({ kind: 'checking' });
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (!areaId) return;
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let queueToken: string | null = null;
    const ask = async () => {
      try {
        const res = queueToken
          ? await fetch(`/v1/queue/${encodeURIComponent(areaId)}/status`, {
              headers: { 'x-queue-token': queueToken },
            })
          : await fetch(`/v1/queue/${encodeURIComponent(areaId)}/join`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ deviceId: deviceId() }),
            });
        const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
        if (stop) return;
        if (typeof body.queueToken === 'string') queueToken = body.queueToken;
        if (res.status === 200 && typeof body.admissionToken === 'string') {
          tellQueue(null);
          setRoom({
            kind: 'admitted',
            token: body.admissionToken,
            expiresAt: Date.parse(String(body.admissionExpiresAt)),
          });
          return;
        }
        if (res.status === 429) {
          const q = queueStateOf(res, body, Date.now());
          tellQueue(q);
          setRoom({ kind: 'waiting' });
          timer = setTimeout(() => void ask(), q.retryAfterSeconds * 1000);
          return;
        }
        // 409 no_waiting_room (or no presale feature at all): ordinary sales
        tellQueue(null);
        setRoom({ kind: 'none' });
      } catch {
        if (!stop) setRoom({ kind: 'none' }); // offline: the booking page says so itself
      }
    };
    void ask();
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [areaId, round]);
  return [room, () => setRound((r) => r + 1)];
}
