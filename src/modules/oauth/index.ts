// OAuth: logging in through an outside identity provider (Google, OpenID Connect). Owns the
// started logins (`oauth_states`) and the accounts' identities at providers (`linked_identities`);
// the accounts themselves are the accounts module's, reached through its index.ts.
export { oauthRoutes } from './oauth.routes.js';
export { createGoogleLogin, type GoogleLogin } from './oauth.service.js';
