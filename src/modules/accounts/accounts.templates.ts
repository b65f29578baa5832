// Mail texts, in Russian as the service's users read them. The token stands alone on its line
// so a person can copy it.
import { escapeHtml } from '../../lib/html.js';
import type { MailMessage } from '../../platform/mailer.js';

function tokenMail(
  to: string,
  subject: string,
  intro: string,
  token: string,
  hours: string,
): MailMessage {
  const outro = `Код действует ${hours}. Если вы не запрашивали это письмо, просто проигнорируйте его.`;
  return {
    to,
    subject,
    text: `Здравствуйте!\n\n${intro}\n\n${token}\n\n${outro}\n`,
    html:
      `<p>Здравствуйте!</p><p>${escapeHtml(intro)}</p>` +
      `<p style="font-family:monospace;font-size:16px"><b>${escapeHtml(token)}</b></p>` +
      `<p>${escapeHtml(outro)}</p>`,
  };
}

/** "2 ч" / "90 мин": how long a token lives, as people say it. */
export function ttlWords(ms: number): string {
  return ms % 3_600_000 === 0 ? `${ms / 3_600_000} ч` : `${Math.round(ms / 60_000)} мин`;
}

export const activationMail = (to: string, token: string, ttlMs: number) =>
  tokenMail(
    to,
    'Подтверждение регистрации',
    'Вы зарегистрировались в сервисе закупок. Чтобы активировать учётную запись, отправьте этот код вместе с вашим email на /useractivation/:',
    token,
    ttlWords(ttlMs),
  );

export const passwordResetMail = (to: string, token: string, ttlMs: number) =>
  tokenMail(
    to,
    'Сброс пароля',
    'Вы запросили сброс пароля. Чтобы задать новый пароль, отправьте этот код, ваш email и новый пароль на /password/reset/confirm/:',
    token,
    ttlWords(ttlMs),
  );
