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
  .meta({ id: 'GoogleLoginStart' });

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
