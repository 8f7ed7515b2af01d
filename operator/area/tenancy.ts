/**
 * What one tenant's ScenicArea may point the operator at (issue 17.13): the operator acts
 * with its own credentials, so the images it runs and the URLs it posts to are the
 * platform's choice (operator configuration), never a tenant's. Pure.
 */
export interface TenancyPolicy {
  /**
   * Image repositories areas may run: `registry/path/name` (that repository, any tag or
   * digest) or a prefix ending in `/` (every repository under it).
   */
  imageAllowlist: readonly string[];
  /**
   * Origins hooks may be posted to: `https://host[:port]`, `https://*.domain` (any
   * subdomain). Plain `http://host[:port]` only when listed so, explicitly (an in-cluster
   * receiver without TLS): a hook URL's scheme is never the tenant's choice.
   */
  hookAllowlist: readonly string[];
}

/** The repository part of an image reference (no tag, no digest). */
export function imageRepository(image: string): string {
  const noDigest = image.split('@')[0]!;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

export function imageAllowed(image: string, p: Pick<TenancyPolicy, 'imageAllowlist'>): boolean {
  if (/\s/.test(image)) return false;
  const repo = imageRepository(image);
  return p.imageAllowlist.some((e) => (e.endsWith('/') ? repo.startsWith(e) : repo === e));
}

const defaultPort = (protocol: string) => (protocol === 'https:' ? '443' : '80');

/** Whether a hook URL is on the allow-list (https, or an explicitly listed http origin). */
export function hookAllowed(url: string, p: Pick<TenancyPolicy, 'hookAllowlist'>): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.username || u.password) return false;
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return false;
  const port = u.port || defaultPort(u.protocol);
  return p.hookAllowlist.some((entry) => {
    let e: URL;
    try {
      e = new URL(entry.replace('://*.', '://wildcard.'));
    } catch {
      return false;
    }
    if (e.protocol !== u.protocol || (e.port || defaultPort(e.protocol)) !== port) return false;
    if (entry.includes('://*.')) {
      const domain = e.hostname.slice('wildcard.'.length);
      return u.hostname.endsWith(`.${domain}`);
    }
    return e.hostname === u.hostname;
  });
}

/** A comma- or space-separated list from the environment. */
export const parseList = (s: string | undefined): string[] =>
  (s ?? '')
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter(Boolean);
