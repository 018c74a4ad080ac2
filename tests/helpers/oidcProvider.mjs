// A real OpenID provider (oidc-provider, ESM only: hence a process of its own) for the single sign-on tests.
// Env: REDIRECT_URI (the app's callback, registered for the one client), ACCOUNTS (JSON: login → claims).
// The login is the subject (sub). Its own development login and consent pages take any password for a login
// listed in ACCOUNTS. Prints one JSON line {"issuer": …} once it listens on a free loopback port.
import http from 'node:http';
import Provider from 'oidc-provider';

const accounts = JSON.parse(process.env.ACCOUNTS ?? '{}');
const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'rapport',
      client_secret: 'rapport-test-secret',
      redirect_uris: [process.env.REDIRECT_URI],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  // A login not in ACCOUNTS is no account: the development login page says so and asks again.
  findAccount: (_ctx, id) => accounts[id] && { accountId: id, claims: () => ({ sub: id, ...accounts[id] }) },
  cookies: { keys: ['oidc-provider-test-only-key'] },
  features: { devInteractions: { enabled: true } },
});
// The development pages warn on every start; this provider exists only for tests.
provider.on('server_error', (_ctx, err) => console.error('provider error', err));
server.on('request', provider.callback());
console.log(JSON.stringify({ issuer }));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
