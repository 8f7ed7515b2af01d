import { unavailable, type DomainError, type ErrorTable } from '../errors.js';

/** Codes of the Redis connection itself (core/redis): both mean "retry shortly". */
export const REDIS_ERRORS = {
  /** Redis did not answer (a node down, a cluster failing over): nothing was decided */
  redis_unavailable: 'unavailable',
  /** an inventory write reached its master but no replica within the wait (REDIS_WAIT_*) */
  redis_not_replicated: 'unavailable',
} as const satisfies ErrorTable;

/** What ioredis throws when a node is down, failing over or still loading. */
const OUTAGE =
  /^(CLUSTERDOWN|TRYAGAIN|LOADING|MASTERDOWN|READONLY)\b|Connection is closed|ECONNREFUSED|ECONNRESET|Too many Cluster redirections|Failed to refresh slots cache|Stream isn't writeable|Reached the max retries per request/;

/**
 * The domain error of a Redis outage (a dead master before its replica's promotion, a
 * refused connection), or undefined for anything else: such a request decided nothing
 * and is answered 503, safe to retry with the same Idempotency-Key.
 */
export function redisOutage(err: unknown): DomainError | undefined {
  if (!(err instanceof Error)) return undefined;
  const name = err.name;
  if (name === 'MaxRetriesPerRequestError' || name === 'ClusterAllFailedError' || OUTAGE.test(err.message))
    return unavailable('redis_unavailable', 'the ticket store is failing over; retry in a moment');
  return undefined;
}
