import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AEAD_AES_256_GCM as WeChat Pay uses it for notification resources: the key is the
 * 32-character APIv3 key taken as UTF-8 bytes, the nonce a 12-character string, the
 * associated data a string, and `ciphertext` base64 of the encrypted bytes followed by
 * the 16-byte authentication tag.
 */
const TAG = 16;

export interface EncryptedResource {
  algorithm: 'AEAD_AES_256_GCM';
  ciphertext: string;
  nonce: string;
  associated_data: string;
  original_type: string;
}

function keyOf(apiV3Key: string): Buffer {
  const key = Buffer.from(apiV3Key, 'utf8');
  if (key.length !== 32) throw new RangeError('the APIv3 key must be 32 bytes');
  return key;
}

/** Decrypts and authenticates; throws if the key, nonce, associated data or bytes are wrong. */
export function decryptResource(apiV3Key: string, nonce: string, associatedData: string, ciphertext: string) {
  const bytes = Buffer.from(ciphertext, 'base64');
  if (bytes.length <= TAG) throw new RangeError('ciphertext too short');
  const d = createDecipheriv('aes-256-gcm', keyOf(apiV3Key), Buffer.from(nonce, 'utf8'), {
    authTagLength: TAG,
  });
  d.setAAD(Buffer.from(associatedData, 'utf8'));
  d.setAuthTag(bytes.subarray(bytes.length - TAG));
  return Buffer.concat([d.update(bytes.subarray(0, bytes.length - TAG)), d.final()]).toString('utf8');
}

/** What WeChat Pay does to a resource before notifying (used by the fake and tests). */
export function encryptResource(
  apiV3Key: string,
  plaintext: string,
  associatedData: string,
  originalType: string,
  nonce = randomBytes(9).toString('base64url').slice(0, 12),
): EncryptedResource {
  const c = createCipheriv('aes-256-gcm', keyOf(apiV3Key), Buffer.from(nonce, 'utf8'), {
    authTagLength: TAG,
  });
  c.setAAD(Buffer.from(associatedData, 'utf8'));
  const body = Buffer.concat([c.update(plaintext, 'utf8'), c.final(), c.getAuthTag()]);
  return {
    algorithm: 'AEAD_AES_256_GCM',
    ciphertext: body.toString('base64'),
    nonce,
    associated_data: associatedData,
    original_type: originalType,
  };
}
