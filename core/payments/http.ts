import { paymentError } from './errors.js';

/** A provider's raw HTTP answer: the body stays bytes, because signatures cover its exact bytes. */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: Buffer;
}

/**
 * One HTTP exchange with a provider. Transport failures and timeouts become the
 * `provider_unreachable` DomainError (safe to retry); every status is returned as is,
 * for the adapter to verify and judge.
 */
export async function exchange(
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string | Buffer },
  timeoutMs: number,
): Promise<HttpAnswer> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: init.method,
      headers: init.headers,
      // A copy into a plain ArrayBuffer: Buffer's backing store may be shared, which BodyInit refuses.
      body: typeof init.body === 'string' || init.body === undefined ? init.body : new Uint8Array(init.body),
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = Buffer.from(await res.arrayBuffer());
    return { status: res.status, headers: res.headers, body };
  } catch (e) {
    throw paymentError(
      'provider_unreachable',
      `${init.method} ${new URL(url).pathname}: ${(e as Error).message}`,
    );
  }
}

/** First value of a header as node:http gives them (lower-case names, maybe arrays). */
export function header(headers: Readonly<Record<string, string | string[] | undefined>>, name: string) {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
