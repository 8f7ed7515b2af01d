import type { z } from 'zod';
import {
  ChangesPage,
  JournalResult,
  KeysResponse,
  ManifestPage,
  PrecheckResult,
  IdLookupResult,
  RulesResponse,
  type HealthReport,
  type JournalEntry,
  type PrecheckRequest,
} from '../core/checkin/protocol.js';

/** Why a call to the centre failed: the link (retry later) or the answer (a bug or a revoked gate). */
export class CentralError extends Error {
  constructor(
    readonly kind: 'link' | 'timeout' | 'rejected' | 'invalid',
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'CentralError';
  }
}

/**
 * The agent's client of `/gate/v1`. Every call has a deadline; every answer is parsed
 * with the shared protocol schemas, so a half-deployed API cannot feed the gate junk.
 */
export class CentralClient {
  constructor(
    private readonly baseUrl: string,
    private readonly credential: string,
    private readonly timeoutMs: number,
  ) {}

  private async call<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S | null,
    body?: unknown,
    timeoutMs = this.timeoutMs,
  ): Promise<z.output<S>> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          'x-scenic-gate-credential': this.credential,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      const err = e as { name?: string; message?: string };
      if (err.name === 'TimeoutError' || err.name === 'AbortError')
        throw new CentralError('timeout', `${method} ${path}: no answer within ${timeoutMs} ms`);
      throw new CentralError('link', `${method} ${path}: ${err.message ?? String(e)}`);
    }
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      const err = e as { name?: string; message?: string };
      throw new CentralError(
        err.name === 'TimeoutError' ? 'timeout' : 'link',
        `${method} ${path}: ${err.message ?? String(e)}`,
      );
    }
    if (!res.ok)
      throw new CentralError(
        'rejected',
        `${method} ${path}: HTTP ${res.status} ${text.slice(0, 200)}`,
        res.status,
      );
    if (!schema) return undefined as z.output<S>;
    const parsed = schema.safeParse(text ? JSON.parse(text) : undefined);
    if (!parsed.success)
      throw new CentralError(
        'invalid',
        `${method} ${path}: unexpected answer: ${parsed.error.message.slice(0, 200)}`,
      );
    return parsed.data;
  }

  keys(timeoutMs?: number) {
    return this.call('GET', '/keys', KeysResponse, undefined, timeoutMs);
  }

  rules() {
    return this.call('GET', '/rules', RulesResponse);
  }

  manifest(date: string | null, after: string | null) {
    const q = new URLSearchParams();
    if (date) q.set('date', date);
    if (after) q.set('after', after);
    return this.call('GET', `/manifest?${q.toString()}`, ManifestPage);
  }

  changes(date: string, cursor: number) {
    return this.call('GET', `/changes?date=${date}&cursor=${cursor}`, ChangesPage);
  }

  journal(entries: JournalEntry[]) {
    return this.call('POST', '/journal', JournalResult, { entries });
  }

  precheck(req: PrecheckRequest, budgetMs: number) {
    return this.call('POST', '/precheck', PrecheckResult, req, budgetMs);
  }

  /** A handheld's ID card, asked of the centre (17.5): today's ticket ids the number holds. */
  idLookup(idNumber: string, budgetMs: number) {
    return this.call('POST', '/id-lookup', IdLookupResult, { idNumber }, budgetMs);
  }

  async health(report: HealthReport): Promise<void> {
    await this.call('POST', '/health', null, report);
  }
}
