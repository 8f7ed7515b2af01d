import type { IdCheckFailure } from './id-number.js';

/** Why an identity document number is refused (`checkIdDocument`); order input errors. */
export const ID_DOCUMENT_ERRORS = {
  id_format: 'input',
  id_province: 'input',
  id_birth_date: 'input',
  id_checksum: 'input',
} as const satisfies Record<IdCheckFailure, 'input'>;
