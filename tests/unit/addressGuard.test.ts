import { checkedAddresses, refusal } from '../../src/modules/webhooks';

const strict = { allowPrivate: false };
const lenient = { allowPrivate: true };

describe('which addresses a webhook may reach', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.254', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['169.254.169.254', 'link-local'],
    ['169.254.0.1', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['192.0.2.1', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fc00::1', 'unique local'],
    ['fd12:3456::1', 'unique local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::127.0.0.1', 'address'],
    ['::808:808', 'IPv4-compatible'],
    ['64:ff9b::7f00:1', 'rfc6052'],
    ['2002:7f00:1::1', '6to4'],
    ['fd00:ec2::254', 'metadata'],
    ['100.100.100.200', 'metadata'],
  ])('refuses %s (%s)', (address, kind) => {
    expect(refusal(address, strict)).toContain(kind);
  });

  it.each([
    '93.184.216.34',
    '8.8.8.8',
    '1.1.1.1',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
    '172.32.0.1',
    '100.128.0.1',
  ])('allows %s (public unicast)', (address) => {
    expect(refusal(address, strict)).toBeNull();
  });

  it('WEBHOOKS_ALLOW_PRIVATE opens loopback and private networks, never link-local or the metadata services', () => {
    for (const a of ['127.0.0.1', '::1', '10.0.0.5', '192.168.0.2', 'fd12::1', '100.64.1.1'])
      expect(refusal(a, lenient)).toBeNull();
    for (const a of ['169.254.169.254', 'fe80::1', 'fd00:ec2::254', '100.100.100.200', '224.0.0.1', '0.0.0.0'])
      expect(refusal(a, lenient)).not.toBeNull();
  });

  it('a name is refused when any of its addresses is (a public answer does not vouch for a private one)', async () => {
    const resolve = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.1', family: 4 },
    ];
    await expect(checkedAddresses('mixed.example.test', strict, resolve)).rejects.toThrow(
      'mixed.example.test resolves to 10.0.0.1: a private address',
    );
    await expect(
      checkedAddresses('public.example.test', strict, async () => [{ address: '93.184.216.34', family: 4 }]),
    ).resolves.toHaveLength(1);
  });

  it('a real DNS name for loopback (localhost) is refused', async () => {
    await expect(checkedAddresses('localhost', strict)).rejects.toThrow(
      /localhost resolves to (127\.0\.0\.1|::1): a loopback address/,
    );
  });
});
