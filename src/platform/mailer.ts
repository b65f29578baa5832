// Outgoing mail: SMTP when configured, else an outbox of .eml files a developer can open.
// Requests never send directly: they enqueue a job, so a failing SMTP server only delays mail.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import nodemailer from 'nodemailer';
import type { Config } from './config.js';
import type { JobDefinition, JobQueue } from './queue.js';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface Mail {
  /** Queues a message; returns once it is queued, not sent. */
  send(message: MailMessage): Promise<void>;
}

type MailConfig = Pick<
  Config,
  | 'EMAIL_HOST'
  | 'EMAIL_PORT'
  | 'EMAIL_USE_SSL'
  | 'EMAIL_USE_TLS'
  | 'EMAIL_HOST_USER'
  | 'EMAIL_HOST_PASSWORD'
  | 'DEFAULT_FROM_EMAIL'
  | 'DATA_DIR'
>;

/** The transport that really delivers one message; thrown errors make the job retry. */
export function createTransport(config: MailConfig, log: FastifyBaseLogger) {
  const from = config.DEFAULT_FROM_EMAIL ?? config.EMAIL_HOST_USER ?? 'noreply@purchases.local';
  if (!config.EMAIL_HOST) {
    const outbox = join(config.DATA_DIR, 'outbox');
    const stream = nodemailer.createTransport({ streamTransport: true, buffer: true });
    return async (m: MailMessage) => {
      const info = await stream.sendMail({ from, ...m });
      await mkdir(outbox, { recursive: true });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const file = join(outbox, `${stamp}-${m.to.replace(/[^\w.@+-]/g, '_')}.eml`);
      await writeFile(file, info.message as Buffer);
      log.info({ to: m.to, subject: m.subject, file }, 'mail written to the outbox');
    };
  }
  const smtp = nodemailer.createTransport({
    host: config.EMAIL_HOST,
    port: config.EMAIL_PORT,
    secure: config.EMAIL_USE_SSL,
    requireTLS: config.EMAIL_USE_TLS,
    ignoreTLS: !config.EMAIL_USE_SSL && !config.EMAIL_USE_TLS,
    auth: config.EMAIL_HOST_USER
      ? { user: config.EMAIL_HOST_USER, pass: config.EMAIL_HOST_PASSWORD ?? '' }
      : undefined,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return async (m: MailMessage) => {
    await smtp.sendMail({ from, ...m });
    log.info({ to: m.to, subject: m.subject }, 'mail sent');
  };
}

export function createMail(queue: JobQueue, deliver: (m: MailMessage) => Promise<void>): Mail {
  // Registered now, while the app is built, so a worker process knows the handler by name.
  const job: JobDefinition<MailMessage> = queue.register({
    name: 'mail.send',
    queue: 'mail',
    handler: deliver,
    attempts: 6,
  });
  return {
    send: async (message) => void (await queue.enqueue(job, message)),
  };
}
