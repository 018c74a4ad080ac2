import type * as OpenIdClient from 'openid-client';
import { AppError } from '../../platform/errors';

/** Single sign-on settings (config.ts `oidc`) and where the provider sends people back. */
export type OidcSettings = { issuer: string; clientId: string; clientSecret: string; name: string };

/** What this browser must show again at the callback: kept in its session between the two requests. */
export type OidcPending = { state: string; nonce: string; codeVerifier: string; next: string; at: number };

/** Who the provider says signed in (from the ID token, completed by the userinfo endpoint). */
export type OidcIdentity = {
  issuer: string;
  subject: string;
  email?: string;
  emailVerified: boolean;
  name?: string;
};

export const OIDC_CALLBACK_PATH = '/login/oidc/callback';

const unreachable = (name: string) =>
  new AppError(
    503,
    'sso_unavailable',
    `${name} is not answering just now, so single sign-on cannot start. Try again in a moment, or sign in with your password.`,
  );

/** The network, not the answer: the provider could not be reached at all. */
const isNetworkError = (err: unknown): boolean => {
  const e = err as { name?: string; code?: string; cause?: unknown };
  return (
    (e?.name === 'TypeError' && /fetch/i.test(String((err as Error).message))) ||
    /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|UND_ERR_\w+)$/.test(e?.code ?? '') ||
    (e?.cause !== undefined && e.cause !== err && isNetworkError(e.cause))
  );
};

/**
 * The OpenID Connect relying party: authorization code flow with PKCE, `state` and `nonce`, through openid-client
 * (which checks the ID token's signature, issuer, audience, expiry and nonce, and the callback's state). The
 * library is ESM only: it is loaded with a real dynamic import, and only when single sign-on is configured. The
 * provider's metadata is fetched on the first sign-in and kept (a failed fetch is tried again next time), so
 * Rapport starts even while the provider is down.
 */
export function oidcClient(settings: OidcSettings, publicUrl: string) {
  const redirectUri = `${publicUrl}${OIDC_CALLBACK_PATH}`;
  let ready: Promise<{ lib: typeof OpenIdClient; config: OpenIdClient.Configuration }> | undefined;
  const discover = () =>
    (ready ??= (async () => {
      const lib = await import('openid-client');
      const config = await lib.discovery(
        new URL(settings.issuer),
        settings.clientId,
        undefined,
        // The OpenID Connect default, and what every provider accepts for a confidential client.
        lib.ClientSecretBasic(settings.clientSecret),
        // Plain http only ever passes config.ts for a provider on loopback (a test or a laptop).
        settings.issuer.startsWith('http:') ? { execute: [lib.allowInsecureRequests] } : undefined,
      );
      return { lib, config };
    })().catch((err: unknown) => {
      ready = undefined;
      throw err;
    }));

  return {
    name: settings.name,
    redirectUri,

    /** Where to send the browser, and what to keep in its session until it comes back. */
    async start(next: string): Promise<{ url: string; pending: OidcPending }> {
      const { lib, config } = await discover().catch(() => Promise.reject(unreachable(settings.name)));
      const codeVerifier = lib.randomPKCECodeVerifier();
      const pending = { state: lib.randomState(), nonce: lib.randomNonce(), codeVerifier, next, at: Date.now() };
      const url = lib.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: 'openid email profile',
        code_challenge: await lib.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state: pending.state,
        nonce: pending.nonce,
      });
      return { url: url.href, pending };
    },

    /**
     * The callback: the code is exchanged and the ID token checked against this browser's `pending`. Anything
     * that does not match (state, nonce, a code used twice, the provider's own refusal) is a 400 naming no
     * detail an attacker could use; a provider that cannot be reached is a 503.
     */
    async finish(query: string, pending: OidcPending): Promise<OidcIdentity> {
      const { lib, config } = await discover().catch(() => Promise.reject(unreachable(settings.name)));
      try {
        const tokens = await lib.authorizationCodeGrant(config, new URL(`${redirectUri}${query}`), {
          pkceCodeVerifier: pending.codeVerifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
        });
        const claims = tokens.claims()!;
        // Providers put email in the ID token or only at the userinfo endpoint (scope-based claims): ask there too.
        const info =
          claims.email === undefined ? await lib.fetchUserInfo(config, tokens.access_token, claims.sub) : claims;
        return {
          issuer: config.serverMetadata().issuer,
          subject: claims.sub,
          email: typeof info.email === 'string' ? info.email.trim().toLowerCase() : undefined,
          emailVerified: info.email_verified === true,
          name: typeof info.name === 'string' && info.name.trim() ? info.name.trim().slice(0, 100) : undefined,
        };
      } catch (err) {
        if (isNetworkError(err)) throw unreachable(settings.name);
        if (err instanceof lib.AuthorizationResponseError)
          throw new AppError(
            403,
            'sso_refused',
            `${settings.name} did not sign you in (${err.error}). Try again, or sign in with your password.`,
          );
        throw new AppError(
          400,
          'sso_mismatch',
          `This sign-in with ${settings.name} could not be verified: it was not started in this browser, or it was tampered with or already used. Start again from the sign-in page.`,
        );
      }
    },
  };
}
export type OidcClient = ReturnType<typeof oidcClient>;
