import { ConfigError, loadConfig } from '../../src/config';

describe('config', () => {
  it('defaults to port 3000, a local public URL, the embedded database in ./.rapport/pg on a port other than 5432, and the built-in mailbox', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.publicUrl).toBe('http://localhost:3000');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.embeddedPg.dir.endsWith('/.rapport/pg')).toBe(true);
    expect(c.embeddedPg.port).not.toBe(5432);
    expect(c.smtpUrl).toBeUndefined();
  });

  it('follows PORT into the default PUBLIC_URL and trims a trailing slash from an explicit one', () => {
    expect(loadConfig({ PORT: '4100' }).publicUrl).toBe('http://localhost:4100');
    expect(loadConfig({ PUBLIC_URL: 'https://pulse.example.com/' }).publicUrl).toBe('https://pulse.example.com');
  });

  it('trusts one proxy for TRUST_PROXY=true (never every hop: a forged X-Forwarded-For must not pass the rate limits)', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, loopback' }).trustProxy).toBe('10.0.0.0/8, loopback');
    expect(() => loadConfig({ TRUST_PROXY: 'everyone' })).toThrow(/TRUST_PROXY: must be false, true/);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/8, e' })).toThrow(/TRUST_PROXY/);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', SMTP_URL: '' }).databaseUrl).toBeUndefined();
  });

  it('refuses bad values naming every key at fault', () => {
    expect(() => loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x', SECRET_KEY: 'short' })).toThrow(ConfigError);
    try {
      loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x', SECRET_KEY: 'short' });
    } catch (err) {
      expect((err as Error).message).toMatch(/PORT/);
      expect((err as Error).message).toMatch(/DATABASE_URL: must start with postgres/);
      expect((err as Error).message).toMatch(/SECRET_KEY: must be at least 32 characters/);
    }
  });

  it('pulse engine settings: 6 h catch-up grace, 600 a minute, 2-minute lease, mailto unsubscribe from MAIL_FROM unless set', () => {
    const c = loadConfig({ MAIL_FROM: 'hello@acme.test' });
    expect(c).toMatchObject({
      schedulerEnabled: true,
      catchUpGraceHours: 6,
      sendRatePerMinute: 600,
      deliveryLeaseSeconds: 120,
      unsubscribeMailto: 'hello@acme.test',
    });
    expect(loadConfig({ UNSUBSCRIBE_MAILTO: 'leave@acme.test', SEND_RATE_PER_MINUTE: '0' })).toMatchObject({
      unsubscribeMailto: 'leave@acme.test',
      sendRatePerMinute: 0,
    });
    expect(() => loadConfig({ DELIVERY_LEASE_SECONDS: '5' })).toThrow(/DELIVERY_LEASE_SECONDS/);
    expect(() => loadConfig({ SCHEDULER_ENABLED: 'maybe' })).toThrow(/SCHEDULER_ENABLED/);
  });

  it('metrics are off unless a token (16+ characters) or a port of their own is set', () => {
    expect(loadConfig({}).metrics).toEqual({ token: undefined, port: undefined });
    expect(loadConfig({ METRICS_TOKEN: 'a-long-enough-token', METRICS_PORT: '9464' }).metrics).toEqual({
      token: 'a-long-enough-token',
      port: 9464,
    });
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN: must be at least 16 characters/);
    expect(() => loadConfig({ METRICS_PORT: 'ninety' })).toThrow(/METRICS_PORT/);
  });

  it('a read replica needs a primary, a postgres URL, and a lag bound of 30 s unless set', () => {
    const primary = 'postgres://rapport@db:5432/rapport';
    const replica = 'postgres://rapport@replica:5432/rapport';
    const both = loadConfig({ DATABASE_URL: primary, DATABASE_REPLICA_URL: replica });
    expect([both.databaseReplicaUrl, both.replicaMaxLagMs]).toEqual([replica, 30_000]);
    expect(loadConfig({}).databaseReplicaUrl).toBeUndefined();
    expect(() => loadConfig({ DATABASE_REPLICA_URL: replica })).toThrow(/DATABASE_REPLICA_URL: needs DATABASE_URL/);
    expect(() => loadConfig({ DATABASE_URL: primary, DATABASE_REPLICA_URL: 'mysql://x' })).toThrow(
      /DATABASE_REPLICA_URL: must start with postgres/,
    );
    expect(() => loadConfig({ DATABASE_URL: primary, REPLICA_MAX_LAG_SECONDS: '0' })).toThrow(/REPLICA_MAX_LAG/);
  });

  it('single sign-on is all three OIDC keys or none, on https (http only on loopback), the button named by OIDC_NAME or the issuer host', () => {
    const all = { OIDC_ISSUER: 'https://id.example.com', OIDC_CLIENT_ID: 'rapport', OIDC_CLIENT_SECRET: 's3cret' };
    expect(loadConfig({}).oidc).toBeUndefined();
    expect(loadConfig(all).oidc).toEqual({
      issuer: 'https://id.example.com',
      clientId: 'rapport',
      clientSecret: 's3cret',
      name: 'id.example.com',
    });
    expect(loadConfig({ ...all, OIDC_NAME: 'Okta' }).oidc?.name).toBe('Okta');
    expect(loadConfig({ ...all, OIDC_ISSUER: 'http://127.0.0.1:4000' }).oidc?.issuer).toBe('http://127.0.0.1:4000');
    expect(() => loadConfig({ ...all, OIDC_CLIENT_SECRET: '' })).toThrow(/OIDC_ISSUER: .*set all three, or none/);
    expect(() => loadConfig({ OIDC_CLIENT_ID: 'rapport' })).toThrow(/set all three, or none/);
    expect(() => loadConfig({ ...all, OIDC_ISSUER: 'http://id.example.com' })).toThrow(/OIDC_ISSUER: must be an https/);
    expect(() => loadConfig({ OIDC_NAME: 'Okta' })).toThrow(/OIDC_NAME: names the single sign-on button/);
  });
});
