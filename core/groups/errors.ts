import type { ErrorTable } from '../errors.js';

/** Group tickets (issue 18, core/groups). */
export const GROUP_ERRORS = {
  // a group product is bought with its leader (name and phone)
  group_leader_required: 'input',
  // a leader on a product that is not sold to groups
  not_a_group_product: 'input',
  // fewer members than the product's minPersons or more than its maxPersons
  group_size_out_of_range: 'input',
} as const satisfies ErrorTable;
