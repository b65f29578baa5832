import type { App } from '../../platform/http.js';
import { problemResponses } from '../../platform/problems.js';
import { tokenSchema } from '../accounts/index.js';
import { googleCallbackQuery, googleStartSchema } from './oauth.schemas.js';
import type { GoogleLogin } from './oauth.service.js';

const tags = ['accounts'];

export function oauthRoutes(app: App, google: GoogleLogin) {
  app.get('/api/auth/google/init/', {
    schema: {
      operationId: 'startGoogleLogin',
      tags,
      summary: 'Start a Google login (OpenID Connect, authorization code with PKCE)',
      description:
        'Send the browser to `authorization_url`; Google then redirects it to the registered ' +
        'redirect URI with `code` and `state`, which go on to /api/auth/google/callback/. ' +
        'The state is valid once, for 10 minutes.',
      response: { 200: googleStartSchema, ...problemResponses(502, 503) },
    },
    handler: async (_req, reply) => {
      // The state is a secret of this login: no cache may keep the answer.
      void reply.header('cache-control', 'no-store');
      return google.start();
    },
  });

  app.get('/api/auth/google/callback/', {
    schema: {
      operationId: 'finishGoogleLogin',
      tags,
      summary: "Finish a Google login: Google's redirect parameters for an API token",
      description:
        'The first login makes an active buyer with Google’s name and email; later logins with ' +
        'the same Google account are the same user; an active account with the same verified ' +
        'email is linked, an unconfirmed one is activated with its password wiped. Failed ' +
        'callbacks count against the failed-login limit of the caller’s address.',
      querystring: googleCallbackQuery,
      response: { 200: tokenSchema, ...problemResponses(400, 403, 409, 429, 502, 503) },
    },
    handler: async (req, reply) => {
      void reply.header('cache-control', 'no-store');
      return { token: await google.finish(req.query, req.ip) };
    },
  });
}
