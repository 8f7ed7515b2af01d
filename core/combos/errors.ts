import type { ErrorTable } from '../errors.js';

/** Combos whose components (bus, show, meal) are reserved with the entry and redeemed on their own. */
export const COMBO_ERRORS = {
  combo_component_not_found: 'not-found',
  // a component names a product the area does not sell
  combo_component_invalid: 'input',
  // an order for a combo did not pick a session of one of its components, or picked one it does not have
  combo_session_required: 'input',
  // one component's session has fewer free seats than the order needs: the whole order is refused
  combo_component_sold_out: 'conflict',
  // a ticket whose component was redeemed cannot be refunded whole (refund its unused components)
  combo_component_used: 'conflict',
  // nothing of the named components is left to refund
  combo_nothing_to_refund: 'conflict',
  // the seats of a combo are for their day: moving the ticket would leave them behind
  combo_not_reschedulable: 'conflict',
} as const satisfies ErrorTable;
