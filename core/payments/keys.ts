import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';

/**
 * Key material as operators paste it: PEM (PKCS#8, PKCS#1, SPKI, or a certificate), with
 * real or escaped ("\n") line breaks, or the bare base64 Alipay's key tool prints.
 * Returns null when it is not a usable RSA key; config.ts names the variable.
 */
const unescape = (text: string) => text.replace(/\\n/g, '\n').trim();

export function readPrivateKey(text: string): KeyObject | null {
  const t = unescape(text);
  const attempts: (() => KeyObject)[] = t.includes('-----BEGIN')
    ? [() => createPrivateKey(t)]
    : [
        () => createPrivateKey({ key: Buffer.from(t, 'base64'), format: 'der', type: 'pkcs8' }),
        () => createPrivateKey({ key: Buffer.from(t, 'base64'), format: 'der', type: 'pkcs1' }),
      ];
  for (const attempt of attempts) {
    try {
      const k = attempt();
      if (k.asymmetricKeyType === 'rsa' && (k.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048) return k;
    } catch {
      // try the next form
    }
  }
  return null;
}

/** A public key, or a certificate's (with the certificate's serial, upper-case hex). */
export function readPublicKey(text: string): { key: KeyObject; certSerial: string | null } | null {
  const t = unescape(text);
  try {
    if (t.includes('BEGIN CERTIFICATE')) {
      const cert = new X509Certificate(t);
      return { key: cert.publicKey, certSerial: cert.serialNumber.toUpperCase() };
    }
    const key = t.includes('-----BEGIN')
      ? createPublicKey(t)
      : createPublicKey({ key: Buffer.from(t, 'base64'), format: 'der', type: 'spki' });
    return key.asymmetricKeyType === 'rsa' ? { key, certSerial: null } : null;
  } catch {
    return null;
  }
}
