/**
 * A reconnecting server-sent-events reader over fetch. The browser's EventSource sends
 * no headers, and the screen token must not sit in a URL the server logs, so the stream
 * is read with fetch (`Authorization: Bearer <token>`) and parsed here. It reconnects
 * after a drop (2 s, then up to 30 s), and more slowly after a refusal.
 */
export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'denied';

export interface StreamHandlers {
  onEvent(type: string, data: string): void;
  onState(s: StreamState): void;
}

/** Splits an SSE byte stream into events; returns the unparsed tail. */
export function parseEvents(buf: string, emit: (type: string, data: string) => void): string {
  const blocks = buf.split(/\r?\n\r?\n/);
  const rest = blocks.pop() ?? '';
  for (const block of blocks) {
    let type = 'message';
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (!line || line.startsWith(':')) continue;
      const i = line.indexOf(':');
      const field = i < 0 ? line : line.slice(0, i);
      const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
      if (field === 'event') type = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length) emit(type, data.join('\n'));
  }
  return rest;
}

export function openStream(url: string, token: string | null, h: StreamHandlers): () => void {
  let stopped = false;
  let delay = 2_000;
  let ctrl: AbortController | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const again = (ms: number, state: StreamState) => {
    if (stopped) return;
    h.onState(state);
    timer = setTimeout(() => void run(), ms);
  };
  const run = async () => {
    ctrl = new AbortController();
    try {
      const res = await fetch(url, {
        headers: { accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        cache: 'no-store',
        signal: ctrl.signal,
      });
      if (res.status === 401 || res.status === 403) return again(30_000, 'denied');
      if (!res.ok || !res.body) return again((delay = Math.min(delay * 2, 30_000)), 'reconnecting');
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf = parseEvents(buf + value, (type, data) => {
          delay = 2_000;
          h.onState('live');
          h.onEvent(type, data);
        });
      }
      again(delay, 'reconnecting');
    } catch {
      again((delay = Math.min(delay * 2, 30_000)), 'reconnecting');
    }
  };
  h.onState('connecting');
  void run();
  return () => {
    stopped = true;
    clearTimeout(timer);
    ctrl?.abort();
  };
}

/**
 * The screen token from the URL (`#token=…` preferred, `?token=…` accepted), kept for
 * this tab and removed from the address bar so it is not shown on the wall.
 */
export function takeToken(): string | null {
  const hash = new URLSearchParams(location.hash.slice(1));
  const query = new URLSearchParams(location.search);
  const t = hash.get('token') ?? query.get('token');
  if (t) {
    sessionStorage.setItem('scenic.screen.token', t);
    hash.delete('token');
    query.delete('token');
    const q = query.toString();
    const f = hash.toString();
    history.replaceState(null, '', `${location.pathname}${q ? `?${q}` : ''}${f ? `#${f}` : ''}`);
    return t;
  }
  return sessionStorage.getItem('scenic.screen.token');
}
