import dns from 'node:dns';
import net from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * The SSRF guard: which addresses an outgoing webhook may reach. A webhook URL is typed by a workspace's admin,
 * and the request leaves from inside the operator's network: without this, "https://169.254.169.254/…" reads
 * the cloud's credentials and "http://10.0.0.5:5432" probes the database.
 *
 * Only globally routable unicast is allowed. `allowPrivate` (WEBHOOKS_ALLOW_PRIVATE, off by default) lets a
 * self-hoster reach their own network (loopback, RFC 1918, unique-local, CGNAT); link-local and the cloud
 * metadata addresses stay refused even then, as does everything else special (multicast, reserved, NAT64,
 * 6to4, Teredo…), whose traffic can end up anywhere.
 */
export type AddressPolicy = { allowPrivate: boolean };

/** DNS resolution, every address of a name (injectable for tests: a name that changes its answer). */
export type Resolve = (hostname: string) => Promise<{ address: string; family: number }[]>;
export const systemResolve: Resolve = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

const NAMES: Record<string, string> = {
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'carrier-grade NAT (shared)',
  private: 'private',
  uniqueLocal: 'private (unique local)',
  reserved: 'reserved',
};
const PRIVATE = new Set(['loopback', 'private', 'uniqueLocal', 'carrierGradeNat']);
/** Cloud metadata services outside link-local (AWS IPv6, Alibaba): never reachable, whatever the setting. */
const METADATA = new Set(['fd00:ec2::254', '100.100.100.200']);

/** Why a webhook may not connect to this IP address, or null when it may. */
export function refusal(address: string, policy: AddressPolicy): string | null {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.parse(address);
  } catch {
    return `${address} is not an IP address`;
  }
  // ::ffff:127.0.0.1 reaches 127.0.0.1: judge the IPv4 address it carries.
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  const normal = ip.toString();
  if (METADATA.has(normal)) return `${address} is a cloud metadata address`;
  const range = ip.range();
  // ::a.b.c.d (IPv4-compatible, deprecated) is "unicast" to ipaddr.js; nothing legitimate lives there.
  if (range === 'unicast' && ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).parts.slice(0, 6).every((p) => p === 0))
    return `${address} is an IPv4-compatible IPv6 address`;
  if (range === 'unicast') return null;
  if (policy.allowPrivate && PRIVATE.has(range)) return null;
  return `${address} is a ${NAMES[range] ?? `special-purpose (${range})`} address`;
}

export class RefusedAddress extends Error {
  readonly code = 'EREFUSED_ADDRESS';
}

/** A URL's host as an IP literal (brackets off), or null when it is a name. */
export const literalIp = (hostname: string) => {
  const bare = hostname.replace(/^\[|\]$/g, '');
  return net.isIP(bare) ? bare : null;
};

/**
 * Every address the host stands for, each checked: refused if any one is not allowed (a name that answers with
 * both a public and a private address is not trusted with either).
 */
export async function checkedAddresses(
  hostname: string,
  policy: AddressPolicy,
  resolve: Resolve = systemResolve,
): Promise<{ address: string; family: number }[]> {
  const literal = literalIp(hostname);
  const addresses = literal ? [{ address: literal, family: net.isIP(literal) }] : await resolve(hostname);
  if (!addresses.length) throw new RefusedAddress(`${hostname} does not resolve to any address`);
  for (const { address } of addresses) {
    const why = refusal(address, policy);
    if (why)
      throw new RefusedAddress(
        literal ? why : `${hostname} resolves to ${address}: ${why.replace(`${address} is `, '')}`,
      );
  }
  return addresses;
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | dns.LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for http.request: the socket connects to the very address that was checked, so a name that
 * answers "public" to the check and "127.0.0.1" to the connection (DNS rebinding) cannot get through.
 */
export const guardedLookup =
  (policy: AddressPolicy, resolve: Resolve = systemResolve) =>
  (hostname: string, options: dns.LookupOptions, callback: LookupCallback): void => {
    checkedAddresses(hostname, policy, resolve).then(
      (addresses) => {
        const usable = options.family ? addresses.filter((a) => a.family === options.family) : addresses;
        if (!usable.length) return callback(new RefusedAddress(`${hostname} has no IPv${options.family} address`), '');
        if (options.all) callback(null, usable);
        else callback(null, usable[0]!.address, usable[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };
