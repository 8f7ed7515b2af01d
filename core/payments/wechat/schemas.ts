import { z } from 'zod';

/**
 * WeChat Pay API v3 answers and notification resources, as documented (fields we do
 * not use are allowed through). Every answer is parsed with one of these after its
 * signature verified; a mismatch is `provider_answer_unverified`, never a crash.
 */
const id = z.string().min(1).max(64);
const fen = z.number().int().nonnegative();

export const ErrorBody = z.object({ code: z.string().min(1), message: z.string().default('') });

export const NativeAnswer = z.object({ code_url: z.string().min(1) });
export const JsapiAnswer = z.object({ prepay_id: z.string().min(1) });
export const H5Answer = z.object({ h5_url: z.string().url() });

export const TradeState = z.enum([
  'SUCCESS',
  'REFUND',
  'NOTPAY',
  'CLOSED',
  'REVOKED',
  'USERPAYING',
  'PAYERROR',
]);

/** A transaction: the query answer and the decrypted `transaction` notification resource. */
export const Transaction = z
  .object({
    appid: id,
    mchid: id,
    out_trade_no: id,
    transaction_id: id.optional(),
    trade_type: z.string().optional(),
    trade_state: TradeState,
    trade_state_desc: z.string().optional(),
    success_time: z.string().optional(),
    attach: z.string().optional(),
    amount: z
      .object({ total: fen.optional(), payer_total: fen.optional(), currency: z.string().optional() })
      .optional(),
  })
  .refine(
    (t) =>
      !(t.trade_state === 'SUCCESS' || t.trade_state === 'REFUND') ||
      (t.transaction_id && t.success_time && t.amount?.total !== undefined),
    { message: 'a paid transaction must carry transaction_id, success_time and amount.total' },
  );
export type Transaction = z.output<typeof Transaction>;

export const RefundStatus = z.enum(['SUCCESS', 'CLOSED', 'PROCESSING', 'ABNORMAL']);

/** The refund answer and the refund query answer. */
export const Refund = z.object({
  refund_id: id,
  out_refund_no: id,
  transaction_id: id,
  out_trade_no: id,
  success_time: z.string().optional(),
  create_time: z.string().optional(),
  status: RefundStatus,
  amount: z.object({ total: fen, refund: fen, currency: z.string().optional() }),
});
export type Refund = z.output<typeof Refund>;

/** The decrypted `refund` notification resource (REFUND.SUCCESS / ABNORMAL / CLOSED). */
export const RefundResource = z.object({
  mchid: id,
  out_trade_no: id,
  transaction_id: id,
  out_refund_no: id,
  refund_id: id,
  refund_status: z.enum(['SUCCESS', 'CLOSED', 'ABNORMAL']),
  success_time: z.string().optional(),
  amount: z.object({ total: fen, refund: fen }),
});

/** The notification envelope: only `resource` carries the facts, encrypted. */
export const Envelope = z.object({
  id: z.string().min(1),
  create_time: z.string(),
  event_type: z.string().min(1),
  resource_type: z.literal('encrypt-resource'),
  resource: z.object({
    algorithm: z.literal('AEAD_AES_256_GCM'),
    ciphertext: z.string().min(1),
    nonce: z.string().min(1),
    associated_data: z.string().default(''),
    original_type: z.enum(['transaction', 'refund']),
  }),
});

export const TradeBillAnswer = z.object({
  hash_type: z.literal('SHA1'),
  hash_value: z.string().regex(/^[0-9a-f]{40}$/i),
  download_url: z.string().url(),
});
