import { describe, expect, it } from 'vitest';
import type { IncomingMessage } from 'node:http';
import { clientAddress, trustEntryProblem, trustProxies } from './client-address.js';

const req = (peer: string, xff?: string) =>
  ({
    socket: { remoteAddress: peer },
    headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
  }) as unknown as IncomingMessage;

describe('17.9 the client behind trusted proxies', () => {
  it.each([
    ['no proxy trusted: the peer, whatever it claims', '', '10.1.2.3', '198.51.100.7', '10.1.2.3'],
    ['the ingress is trusted', '10.0.0.0/8', '10.1.2.3', '198.51.100.7', '198.51.100.7'],
    [
      'a spoofed hop left of the real client is ignored',
      '10.0.0.0/8',
      '10.1.2.3',
      '6.6.6.6, 198.51.100.7',
      '198.51.100.7',
    ],
    ['two trusted hops', '10.0.0.0/8, 192.168.1.1', '192.168.1.1', '198.51.100.7, 10.9.9.9', '198.51.100.7'],
    ['an untrusted peer cannot forward', '10.0.0.0/8', '203.0.113.9', '198.51.100.7', '203.0.113.9'],
    ['loopback by name, IPv4-mapped', 'loopback', '::ffff:127.0.0.1', '2001:db8::1', '2001:db8::1'],
    ['a garbage hop stops the walk', 'private', '10.1.2.3', 'not-an-ip', '10.1.2.3'],
  ])('%s', (_n, list, peer, xff, want) => {
    expect(clientAddress(req(peer, xff), trustProxies(list))).toBe(want);
  });

  it.each([
    ['10.0.0.0/8', undefined],
    ['2001:db8::/32', undefined],
    ['loopback', undefined],
    ['10.0.0.0/33', 'prefix'],
    ['10.0.0/8', 'not an IP'],
    ['ingress.local', 'not an IP'],
  ])('validates %s', (entry, problem) => {
    const p = trustEntryProblem(entry);
    if (problem) expect(p).toContain(problem);
    else expect(p).toBeUndefined();
  });
});
