// Errors in the console are pages, in Russian, with the status they deserve: a form without its
// CSRF token is 403, bad input 400, a move the order cannot make 409, and so on.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { reportFault } from '../../platform/observability.js';
import { AppError } from '../../platform/problems.js';
import { render } from './console.render.js';

/** What staff read for each problem type the console's actions can meet. */
const WORDS: Record<string, string> = {
  'not-found': 'Такого объекта нет.',
  'invalid-transition': 'Заказ уже в другом состоянии: этот переход сейчас невозможен.',
  'self-lockout':
    'Нельзя снять с себя флаг сотрудника или отключить собственную учётную запись: попросите другого сотрудника.',
  'job-not-failed': 'Задача не в состоянии сбоя: перезапускать нечего.',
  throttled: 'Слишком много запросов. Подождите немного и повторите.',
  'body-too-large': 'Данные формы слишком велики.',
  'price-list-too-large': 'Файл прайс-листа слишком велик.',
  validation: 'Поля формы заполнены неверно.',
  'bad-request': 'Запрос не удалось прочитать.',
};

function describe(err: FastifyError): { status: number; message: string; details: string[] } {
  if (err.code === 'FST_CSRF_INVALID_TOKEN' || err.code === 'FST_CSRF_MISSING_SECRET')
    return {
      status: 403,
      message:
        'Форма отправлена без действующего CSRF-токена, ничего не изменено. Обновите страницу и повторите.',
      details: [],
    };
  if (hasZodFastifySchemaValidationErrors(err))
    return {
      status: 400,
      message: WORDS.validation!,
      details: err.validation.map(
        (v) => `${v.instancePath.replace(/^\//, '') || 'форма'}: ${v.message}`,
      ),
    };
  if (err instanceof AppError)
    return {
      status: err.status,
      message: WORDS[err.code] ?? 'Действие не выполнено.',
      details: [err.detail, ...(err.errors ?? []).map((e) => `${e.field}: ${e.message}`)],
    };
  if (err.code === 'FST_REQ_FILE_TOO_LARGE' || err.code === 'FST_CTP_BODY_TOO_LARGE')
    return { status: 413, message: WORDS['price-list-too-large']!, details: [] };
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) return { status, message: WORDS['bad-request']!, details: [] };
  return { status: 500, message: 'Внутренняя ошибка. Сообщите номер запроса.', details: [] };
}

export function consoleErrorHandler(debug: boolean) {
  return async (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const { status, message, details } = describe(err);
    if (status >= 500) req.log.error({ err }, 'console request failed');
    if (status >= 500 && !(err instanceof AppError)) reportFault(err, status);
    if (err instanceof AppError && err.headers) void reply.headers(err.headers);
    // Back to the section the request came from (/admin/users/5/ → /admin/users/).
    const section = req.url.split('?')[0]!.split('/')[2];
    const back = section ? `/admin/${section}/` : '/admin/';
    return render(
      req,
      reply,
      'error',
      { title: `Ошибка ${status}`, debug, status, message, details, back, requestId: req.id },
      status,
    );
  };
}
