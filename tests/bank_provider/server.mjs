// A demo bank: panva's oidc-provider (npm, a certified OpenID Provider we did not write) configured
// as a bank identity provider for the idp's «Войти через банк» (docs/bank-id.md). Used by the tests
// (tests/idp/brokering/) and by `make run` (deploy/run_dev.py). Loopback only, in memory.
//
// Env:
//   PORT           port on 127.0.0.1 (default 3100)
//   CLIENT_ID      the idp's client id at this bank (default "idp")
//   CLIENT_SECRET  its secret (default a dev value; client_secret_basic)
//   REDIRECT_URI   the idp's callback, e.g. http://127.0.0.1:8000/login/bank/callback
//   JWT_CLIENT_ID  with JWT_CLIENT_JWKS: a second client of the idp that authenticates with
//   JWT_CLIENT_JWKS   private_key_jwt (RFC 7523), its public keys as a JWKS (JSON)
//   ACCOUNTS_FILE  a JSON file {"login": {claims...}} replacing the demo accounts below
//   QUIET=1        no banner
//
// Claims: `sub`, profile (family_name, given_name, middle_name, birthdate), phone (phone_number,
// phone_number_verified) and a custom scope `snils` (snils, snils_verified). They are put in the
// ID token itself (conformIdTokenClaims: false) and served by userinfo as well.
//
// Interactions: oidc-provider's devInteractions login page (any password; the login names the
// account), which a test drives with plain HTTP. Consent is granted at once for the configured
// client (loadExistingGrant), as a bank's own first-party login does.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const PORT = Number(process.env.PORT || 3100);
const HOST = '127.0.0.1';
const ISSUER = `http://${HOST}:${PORT}`;
const CLIENT_ID = process.env.CLIENT_ID || 'idp';
const CLIENT_SECRET = process.env.CLIENT_SECRET || 'demo-bank-secret-for-the-idp-0123456789abcdef';
const REDIRECT_URI = process.env.REDIRECT_URI || 'http://127.0.0.1:8000/login/bank/callback';
const SCOPES = ['openid', 'profile', 'phone', 'snils'];
const JWT_CLIENT_ID = process.env.JWT_CLIENT_ID;
const JWT_CLIENT_JWKS = process.env.JWT_CLIENT_JWKS ? JSON.parse(process.env.JWT_CLIENT_JWKS) : undefined;

// The demo people (make run), against the idp's seeded demo accounts (services/idp/seed.py):
//   ivanov   — Иванов's SNILS, checked by the bank: linked by SNILS, straight in
//   sidorov  — no SNILS, Сидоров's confirmed phone: asks for that account's password first
//   newcomer — nobody the idp knows: the registration form, prefilled
//   unverified — Иванов's SNILS, not checked by the bank: never linked by it (registration)
const DEMO_ACCOUNTS = {
  ivanov: {
    family_name: 'Иванов', given_name: 'Иван', middle_name: 'Иванович', birthdate: '1985-04-12',
    snils: '11223344595', snils_verified: true, phone_number: '+79160000001', phone_number_verified: true,
  },
  sidorov: {
    family_name: 'Сидоров', given_name: 'Пётр', phone_number: '+79160000003', phone_number_verified: true,
  },
  newcomer: {
    family_name: 'Новикова', given_name: 'Ольга', middle_name: 'Петровна', birthdate: '1992-03-08',
    snils: '98765432183', snils_verified: true, phone_number: '+79995550101', phone_number_verified: true,
  },
  unverified: {
    family_name: 'Смирнов', given_name: 'Олег', birthdate: '1980-01-01',
    snils: '11223344595', snils_verified: false, phone_number: '+79995550102', phone_number_verified: false,
  },
};

const ACCOUNTS = process.env.ACCOUNTS_FILE
  ? JSON.parse(readFileSync(process.env.ACCOUNTS_FILE, 'utf8'))
  : DEMO_ACCOUNTS;

function signingKeys() {
  // Fresh keys at every start: RS256 (the OIDC default for ID tokens) and ES256.
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  const stamp = Date.now().toString(36);
  return {
    keys: [
      { ...rsa, alg: 'RS256', use: 'sig', kid: `bank-rs256-${stamp}` },
      { ...ec, alg: 'ES256', use: 'sig', kid: `bank-es256-${stamp}` },
    ],
  };
}

const provider = new Provider(ISSUER, {
  clients: [
    {
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: SCOPES.join(' '),
    },
    ...(JWT_CLIENT_ID && JWT_CLIENT_JWKS
      ? [
          {
            client_id: JWT_CLIENT_ID,
            grant_types: ['authorization_code'],
            response_types: ['code'],
            redirect_uris: [REDIRECT_URI],
            token_endpoint_auth_method: 'private_key_jwt',
            token_endpoint_auth_signing_alg: 'RS256',
            jwks: JWT_CLIENT_JWKS,
            scope: SCOPES.join(' '),
          },
        ]
      : []),
  ],
  async findAccount(_ctx, id) {
    const claims = ACCOUNTS[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
  claims: {
    openid: ['sub'],
    profile: ['family_name', 'given_name', 'middle_name', 'birthdate'],
    phone: ['phone_number', 'phone_number_verified'],
    snils: ['snils', 'snils_verified'],
  },
  scopes: SCOPES,
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  cookies: { keys: ['demo-bank-cookie-key-not-a-secret-0001'] },
  jwks: signingKeys(),
  features: { devInteractions: { enabled: true }, userinfo: { enabled: true } },
  async loadExistingGrant(ctx) {
    // the bank's own client: no consent page, the grant covers what it asked
    const { client, session, params } = ctx.oidc;
    const grantId = session.grantIdFor(client.clientId);
    if (grantId) {
      const existing = await ctx.oidc.provider.Grant.find(grantId);
      if (existing) return existing;
    }
    const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
    grant.addOIDCScope(String(params.scope || 'openid'));
    await grant.save();
    session.grantIdFor(client.clientId, grant.jti);
    return grant;
  },
  ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Session: 3600, Interaction: 600, Grant: 3600 },
});

provider.on('server_error', (_ctx, err) => console.error('server_error', err));

const server = provider.listen(PORT, HOST, () => {
  if (!process.env.QUIET) {
    console.log(`demo bank listening on ${ISSUER} (logins: ${Object.keys(ACCOUNTS).join(', ')}; any password)`);
  }
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => server.close(() => process.exit(0)));
}
