import { z } from 'zod';

const param = (max: number) => z.string().min(1, 'must not be empty').max(max);

export const googleStartSchema = z
  .object({
    authorization_url: z
      .string()
      .describe("Send the person's browser here: Google's consent page for this login."),
    state: z
      .string()
      .describe(
        'This login, as Google will repeat it to the redirect URI; valid once, for 10 minutes.',
      ),
  })
  .meta({
    id: 'GoogleLoginStart',
    examples: [
      {
        authorization_url:
          'https://accounts.google.com/o/oauth2/v2/auth?client_id=1234.apps.googleusercontent.com&response_type=code&scope=openid+email+profile&state=Zx3kQ9&code_challenge=Vt8mY2&code_challenge_method=S256&nonce=Hq4w&redirect_uri=https%3A%2F%2Fshop.example.ru%2Fgoogle%2F',
        state: 'Zx3kQ9pL2vN8rT5wB1cD7fG4hK6sA0eR3tY9uI2oM5q',
      },
    ],
  });

/**
 * What Google appends to the redirect URI, passed on as it came. Google adds parameters of its own
 * (`scope`, `authuser`, `prompt`, `hd`): they are accepted and ignored.
 */
export const googleCallbackQuery = z
  .object({
    state: param(200).describe('The `state` Google returned (the one `init` gave).'),
    code: param(2048).optional().describe('The authorization code; absent when `error` is set.'),
    iss: param(2048)
      .optional()
      .describe(
        'The issuer that answered (RFC 9207): checked when sent, required when the issuer says it sends it.',
      ),
    error: param(200).optional().describe('Set by Google when the login did not happen.'),
    error_description: z.string().max(2000).optional(),
  })
  .refine((q) => q.code !== undefined || q.error !== undefined, {
    path: ['code'],
    message: 'is required (pass on the code Google appended to the redirect URI)',
  });

export type GoogleCallbackQuery = z.output<typeof googleCallbackQuery>;
