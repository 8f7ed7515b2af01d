import { BlockList, isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

/**
 * Who the client is when proxies stand in front of the API (issue 17, item 9). The
 * connection's peer is trusted to say who it forwards for only when it is one of
 * `SCENIC_TRUSTED_PROXIES` (IPs, CIDRs, `loopback`, `private`); then the
 * X-Forwarded-For chain is walked from the right, hop by trusted hop, exactly as express's
 * `trust proxy` does, so the fast lanes (the waiting room) and express agree on the address.
 */
export type TrustProxy = (address: string) => boolean;

const NAMED: Record<string, string[]> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  private: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/** `::ffff:10.0.0.1` → `10.0.0.1`; anything else as it is. */
export const plainAddress = (a: string) =>
  a.startsWith('::ffff:') && isIP(a.slice(7)) === 4 ? a.slice(7) : a;

/** Why one entry of the list is not an address, a CIDR or a name; undefined when it is fine. */
export function trustEntryProblem(entry: string): string | undefined {
  if (NAMED[entry]) return undefined;
  const [ip, bits, extra] = entry.split('/');
  const family = isIP(ip ?? '');
  if (!family || extra !== undefined) return `${entry} is not an IP address, a CIDR, "loopback" or "private"`;
  if (bits === undefined) return undefined;
  const n = Number(bits);
  const max = family === 4 ? 32 : 128;
  return /^\d{1,3}$/.test(bits) && n <= max ? undefined : `${entry}: the prefix length must be 0-${max}`;
}

/** The entries of a comma-separated SCENIC_TRUSTED_PROXIES value ('' = trust no proxy). */
export const trustEntries = (list: string) =>
  list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** A predicate for a validated list (core/config.ts refuses a bad one at start). */
export function trustProxies(list: string): TrustProxy {
  const block = new BlockList();
  for (const entry of trustEntries(list).flatMap((e) => NAMED[e] ?? [e])) {
    const [ip, bits] = entry.split('/') as [string, string | undefined];
    const type = isIP(ip) === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) block.addAddress(ip, type);
    else block.addSubnet(ip, Number(bits), type);
  }
  return (address) => {
    const a = plainAddress(address);
    const family = isIP(a);
    return family !== 0 && block.check(a, family === 4 ? 'ipv4' : 'ipv6');
  };
}

/** The client's address: the peer, or the first untrusted hop of X-Forwarded-For from the right. */
export function clientAddress(req: IncomingMessage, trust: TrustProxy): string {
  let addr = plainAddress(req.socket.remoteAddress ?? 'unknown');
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  while (trust(addr) && hops.length) {
    const next = plainAddress(hops.pop()!);
    if (!isIP(next)) break;
    addr = next;
  }
  return addr;
}
