import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type RequestOptions } from './api.js';

/** How a component loads one resource with {@link useFetch}. */
export interface FetchOptions<T> extends Pick<RequestOptions, 'auth' | 'orderToken'> {
  /** Called with every answer before it shows (save it on the phone, pick a default). */
  onData?: (data: T) => void;
  /** Called with every failure (an `ApiError`, or a `TypeError` when there is no network). */
  onError?: (error: Error) => void;
  /**
   * Asks again after this many ms while it returns a number (a held order waiting for its
   * payment). Called with each answer, and with `null` after a failure.
   */
  pollMs?: (data: T | null) => number | null;
  /** At most this many polls after the first answer (default 90). */
  maxPolls?: number;
}

export interface Fetched<T> {
  /** The last answer for the current path; `null` until it arrives and after the path changes. */
  data: T | null;
  error: Error | null;
  /** Asks again for the same path, keeping the answer shown until the new one arrives. */
  reload: () => void;
}

/**
 * GETs `path` through {@link api} (problem+json errors, 429 = queue state) and keeps the
 * answer. `null` asks for nothing. An answer for a path the component has since left
 * (a date the visitor changed, a page closed) is dropped, never shown as the new one's.
 */
export function useFetch<T>(path: string | null, o: FetchOptions<T> = {}): Fetched<T> {
  const [state, setState] = useState<{ path: string | null; data: T | null; error: Error | null }>({
    path,
    data: null,
    error: null,
  });
  const [round, setRound] = useState(0);
  // Callbacks and credentials change identity every render; the request reads the latest.
  const opts = useRef(o);
  opts.current = o;
  useEffect(() => {
    if (!path) return;
    let current = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let polls = 0;
    const again = (data: T | null) => {
      const ms = opts.current.pollMs?.(data) ?? null;
      if (ms !== null && polls++ < (opts.current.maxPolls ?? 90)) timer = setTimeout(() => void ask(), ms);
    };
    const ask = async () => {
      const { auth, orderToken } = opts.current;
      try {
        const data = await api<T>(path, { auth: auth ?? null, orderToken: orderToken ?? null });
        if (!current) return;
        opts.current.onData?.(data);
        setState({ path, data, error: null });
        again(data);
      } catch (e) {
        if (!current) return;
        opts.current.onError?.(e as Error);
        setState((s) => ({ path, data: s.path === path ? s.data : null, error: e as Error }));
        again(null);
      }
    };
    void ask();
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [path, round]);
  // A new path shows nothing until its own answer: never the previous path's data.
  const fresh = state.path === path;
  return {
    data: fresh ? state.data : null,
    error: fresh ? state.error : null,
    reload: () => setRound((r) => r + 1),
  };
}
