import type { ErrorTable } from '../errors.js';

/**
 * Zones inside a park and their people-counting sensors (issue 21). A sensor's signed
 * report is refused with the partner signature's codes (`signature_invalid`,
 * `timestamp_skew`, `nonce_reused`…: core/channels/errors.ts), which mean the same thing.
 */
export const ZONE_ERRORS = {
  invalid_counter_id: 'input',
  counter_not_found: 'not-found',
  /** an unknown sensor key id, or one that was revoked */
  unknown_counter: 'authentication',
  /** the sensor is not declared as feeding any zone of its area */
  counter_not_in_zone: 'not-allowed',
  /** the report's own time is too far from the server's (its counts belong to no day we keep) */
  count_out_of_window: 'input',
  /** a report id sent again with other numbers */
  count_id_reused: 'conflict',
  /** registering a sensor for a zone the area does not declare */
  zone_not_found: 'not-found',
  /** registering a sensor the zone's declaration does not name (declare it in the ScenicArea first) */
  counter_not_declared: 'conflict',
  /** registering a sensor id that is active (retire it first) */
  counter_exists: 'conflict',
  /** registering a sensor id that belongs to another area */
  counter_id_taken: 'conflict',
} as const satisfies ErrorTable;
