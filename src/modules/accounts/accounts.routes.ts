import { z } from 'zod';
import type { Background } from '../../platform/background.js';
import type { App } from '../../platform/http.js';
import { currentUser } from '../../platform/auth.js';
import { problemResponses } from '../../platform/problems.js';
import {
  emailBody,
  emailTokenBody,
  loginBody,
  messageSchema,
  registerBody,
  resetConfirmBody,
  tokenSchema,
  updateUserBody,
  userSchema,
} from './accounts.schemas.js';
import type { AccountsService } from './accounts.service.js';

const tags = ['accounts'];
/** Routes that guard passwords or send mail: their limits refuse while Redis is down. */
const guarded = { failClosed: true } as const;
const accepted = { detail: 'Accepted. If the account exists, a message is on its way.' };

export function accountsRoutes(app: App, accounts: AccountsService, background: Background) {
  app.post('/register/', {
    config: guarded,
    schema: {
      operationId: 'register',
      description:
        'Creates an inactive account (`type` buyer, the default, or shop) and emails a confirmation token valid `EMAIL_TOKEN_TTL` (2 h). A taken email → 409; a weak password → 400 with the reasons. Unknown fields are refused.',
      tags,
      summary: 'Create an account; a confirmation token is emailed',
      body: registerBody,
      response: { 201: userSchema, ...problemResponses(400, 409) },
    },
    handler: async (req, reply) => reply.code(201).send(await accounts.register(req.body)),
  });

  app.post('/useractivation/', {
    config: guarded,
    schema: {
      operationId: 'activateAccount',
      description:
        'Activates the account with the token of its confirmation mail. A wrong, used or expired token → 400.',
      tags,
      summary: 'Activate an account with the emailed token',
      body: emailTokenBody,
      response: { 200: messageSchema, ...problemResponses(400) },
    },
    handler: async (req) => {
      await accounts.activate(req.body.email, req.body.token);
      return { detail: 'The account is active; you can log in.' };
    },
  });

  app.post('/useractivation/resend/', {
    config: guarded,
    schema: {
      operationId: 'resendActivation',
      description:
        'Always 202, whether or not the account exists (no account enumeration); an inactive account gets a fresh token by mail, at most 5 mails an hour.',
      tags,
      summary: 'Email a fresh activation token (always 202)',
      body: emailBody,
      response: { 202: messageSchema, ...problemResponses(400) },
    },
    handler: async (req, reply) => {
      // Answered before the account is looked up, so the time says nothing of it.
      background.run('resend-activation', () => accounts.resendActivation(req.body.email));
      return reply.code(202).send(accepted);
    },
  });

  app.post('/login/', {
    config: guarded,
    schema: {
      operationId: 'login',
      description:
        'Answers an API token for `Authorization: Token <key>`. A wrong password, an unknown email and an unconfirmed account all get the same 401; more than 10 failures in 15 minutes → 429 with `Retry-After`.',
      tags,
      summary: 'Exchange email and password for an API token',
      body: loginBody,
      response: { 200: tokenSchema, ...problemResponses(400, 401, 429) },
    },
    handler: async (req) => ({ token: await accounts.login(req.body.email, req.body.password) }),
  });

  app.post('/logout/', {
    config: { auth: 'user' },
    schema: {
      tags,
      operationId: 'logout',
      summary: 'Revoke the token used',
      description:
        'Revokes the token this request was sent with; other tokens of the account stay valid.',
      response: { 204: z.null() },
    },
    handler: async (req, reply) => {
      await accounts.logout(currentUser(req).tokenId);
      return reply.code(204).send(null);
    },
  });

  app.get('/user/details/', {
    config: { auth: 'user' },
    schema: {
      operationId: 'getAccount',
      description: 'The signed-in account, with its avatar (or null).',
      tags,
      summary: 'The signed-in account',
      response: { 200: userSchema, ...problemResponses(404) },
    },
    handler: (req) => accounts.details(currentUser(req).id),
  });

  app.patch('/user/details/', {
    config: { auth: 'user' },
    schema: {
      operationId: 'updateAccount',
      tags,
      summary: 'Change names, company, position or (with current_password) the password',
      description: 'A password change signs out every other token of the account.',
      body: updateUserBody,
      response: { 200: userSchema, ...problemResponses(400, 404) },
    },
    handler: (req) => {
      const user = currentUser(req);
      return accounts.update(user.id, user.tokenId, req.body);
    },
  });

  app.post('/password/reset/', {
    config: guarded,
    schema: {
      operationId: 'requestPasswordReset',
      description:
        'Always 202 before the account is looked up (no account enumeration); an existing account gets a reset token by mail, valid `EMAIL_TOKEN_TTL`.',
      tags,
      summary: 'Email a password reset token (always 202)',
      body: emailBody,
      response: { 202: messageSchema, ...problemResponses(400) },
    },
    handler: async (req, reply) => {
      // Answered before the account is looked up, so the time says nothing of it.
      background.run('password-reset', () => accounts.requestPasswordReset(req.body.email));
      return reply.code(202).send(accepted);
    },
  });

  app.post('/password/reset/confirm/', {
    config: guarded,
    schema: {
      operationId: 'confirmPasswordReset',
      description:
        'Sets the new password with the mailed token (checked before the password); every API token and console session of the account is revoked.',
      tags,
      summary: 'Set a new password with the emailed token; revokes all API tokens',
      body: resetConfirmBody,
      response: { 200: messageSchema, ...problemResponses(400) },
    },
    handler: async (req) => {
      await accounts.confirmPasswordReset(req.body.email, req.body.token, req.body.password);
      return { detail: 'The password has been changed; log in again.' };
    },
  });
}
