import { createHmac } from 'node:crypto';
import type { DiversionMessage, SignageKind } from './model.js';

/** A declared LED screen or loudspeaker controller. */
export interface SignageEndpoint {
  name: string;
  kind: SignageKind;
  url: string;
}

/** Delivers a diversion message to one endpoint; throws with the reason when it was not taken. */
export interface SignageSender {
  send(endpoint: SignageEndpoint, message: DiversionMessage): Promise<void>;
}

export const SIGNAGE_HEADERS = {
  messageId: 'x-scenic-message-id',
  timestamp: 'x-scenic-signage-timestamp',
  signature: 'x-scenic-signage-signature',
} as const;

/** `v1=` + base64url HMAC-SHA256(secret, "<timestamp>\n<body>"): what a receiver recomputes. */
export const signageSignature = (secret: string, timestamp: string, body: string) =>
  `v1=${createHmac('sha256', secret).update(`${timestamp}\n${body}`).digest('base64url')}`;

/**
 * The generic HTTP adapter: `POST <url>` with the message as JSON (core/zones/README.md),
 * signed when a secret is configured. Any 2xx is delivery; anything else, a timeout or a
 * refused connection is an error naming it. LED and broadcast controllers from any vendor
 * sit behind a small bridge that speaks this format.
 */
export function httpSignage(o: { secret?: string; timeoutMs?: number; nowMs: () => number }): SignageSender {
  return {
    async send(endpoint, message) {
      const body = JSON.stringify(message);
      const timestamp = String(Math.floor(o.nowMs() / 1000));
      const headers: Record<string, string> = {
        'content-type': 'application/json; charset=utf-8',
        [SIGNAGE_HEADERS.messageId]: message.id,
      };
      if (o.secret) {
        headers[SIGNAGE_HEADERS.timestamp] = timestamp;
        headers[SIGNAGE_HEADERS.signature] = signageSignature(o.secret, timestamp, body);
      }
      const res = await fetch(endpoint.url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(o.timeoutMs ?? 5_000),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) throw new Error(`${endpoint.name} answered HTTP ${res.status}`);
    },
  };
}
