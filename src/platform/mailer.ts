// Outgoing mail through a transactional outbox. A change that mails (an order, a registration)
// writes its messages into `outgoing_mail` inside its own transaction: a rolled-back change sends
// nothing, and a committed one loses nothing if the process dies. After the commit the ids (never
// the bodies) go to a job, which claims the rows, delivers them over a pooled SMTP connection (or
// into the .eml outbox when no SMTP server is configured) and deletes what it delivered. A sweep
// queues what no job holds: messages whose job was never queued (a crash right after the commit,
// Redis unreachable) or was lost with an in-process queue.
import { and, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { Background } from './background.js';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Db, Executor } from './db/client.js';
import { preparedStatement, runPrepared, textArray } from './db/statements.js';
import { composeMime, mailbox } from './mail-mime.js';
import { outgoingMail } from './mail-outbox.tables.js';
import type { JobDefinition, JobQueue } from './queue.js';
import { isOutage } from './redis.js';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

const ph = sql.placeholder;

/**
 * The outbox's insert as a CTE, `mailed` (returning each message's id), for a caller that writes
 * its messages inside a statement of its own to save a round trip (an order's confirmation). The
 * statement takes the placeholders `mailValues` names; give the ids to `dispatch` after the commit.
 */
export const mailedCte = sql`mailed as (
    insert into ${outgoingMail} (recipient, subject, text, html, created_at)
    select m.recipient, m.subject, m.text, m.html, ${ph('mail_at')}::timestamptz
    from unnest(${ph('mail_to')}::text[], ${ph('mail_subjects')}::text[],
                ${ph('mail_texts')}::text[], ${ph('mail_htmls')}::text[])
      as m(recipient, subject, text, html)
    returning ${outgoingMail.id} as id)`;

/** The values of `mailedCte`'s placeholders: `messages`, committed at `at`. */
export const mailValues = (messages: MailMessage[], at: Date) => ({
  mail_at: at.toISOString(),
  mail_to: textArray(messages.map((m) => m.to)),
  mail_subjects: textArray(messages.map((m) => m.subject)),
  mail_texts: textArray(messages.map((m) => m.text)),
  mail_htmls: textArray(messages.map((m) => m.html)),
});

export interface Mailer {
  /**
   * Writes messages in the caller's transaction; give the ids to `dispatch` after the commit.
   * (A caller may write them in its own statement instead: `mailedCte`.)
   */
  add(tx: Executor, messages: MailMessage[]): Promise<number[]>;
  /** Queues the delivery of committed messages. Never throws: the sweep covers a failure. */
  dispatch(ids: number[]): Promise<void>;
  /** Queues every message that no job holds; returns how many. */
  sweep(): Promise<number>;
  /** Sweeps every minute until `close()` (in the processes that run jobs). */
  startSweeping(): void;
  close(): Promise<void>;
}

export interface Transport {
  /** Delivers one message; a thrown error makes its job retry. */
  deliver(message: MailMessage): Promise<void>;
  close(): void;
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

/** SMTP over a small pool of kept-open connections, or .eml files in DATA_DIR/outbox. */
export function createTransport(config: MailConfig, log: FastifyBaseLogger): Transport {
  const from = config.DEFAULT_FROM_EMAIL ?? config.EMAIL_HOST_USER ?? 'noreply@purchases.local';
  if (!config.EMAIL_HOST) {
    const outbox = join(config.DATA_DIR, 'outbox');
    return {
      async deliver(m) {
        await mkdir(outbox, { recursive: true });
        const stamp = new Date().toISOString().replace(/[:.]/g, '-');
        const file = join(outbox, `${stamp}-${m.to.replace(/[^\w.@+-]/g, '_')}.eml`);
        await writeFile(file, composeMime(m, from, { eightBit: true }));
        log.info({ to: m.to, subject: m.subject, file }, `mail to ${m.to} written to ${file}`);
      },
      close: () => {},
    };
  }
  const smtp = nodemailer.createTransport({
    pool: true,
    maxConnections: 3,
    maxMessages: 500,
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
  const envelopeFrom = mailbox(from).address;
  return {
    async deliver(m) {
      // A message given whole (`raw`) is sent as it is; its envelope must then be given too.
      await smtp.sendMail({
        envelope: { from: envelopeFrom, to: [mailbox(m.to).address] },
        raw: composeMime(m, from),
      });
      log.info({ to: m.to, subject: m.subject }, 'mail sent');
    },
    close: () => smtp.close(),
  };
}

/** A sender holds claimed messages this long; longer than any SMTP timeout above. */
const LEASE_MS = 2 * 60_000;
/** A message still here this long after its commit has no job that will send it. */
const ORPHANED_AFTER_MS = 2 * 60_000;
const SWEEP_EVERY_MS = 60_000;
/** Messages whose every attempt failed wait this long for a staff retry, then are dropped. */
const FAILED_KEPT_MS = 30 * 24 * 3_600_000;

export interface MailerDeps {
  db: Db;
  queue: JobQueue;
  /** Where the short wait before a batch is queued is tracked, so shutdown and tests see it. */
  background: Background;
  transport: Transport;
  clock: Clock;
  log: FastifyBaseLogger;
}

/**
 * Messages committed within this time of each other share one job: fewer jobs and statements
 * (claim and delete are one statement each per batch); at 75 orders/s a batch holds about four.
 */
const BATCH_WAIT_MS = 50;
const BATCH_MAX = 100;

export function createMailer({ db, queue, background, transport, clock, log }: MailerDeps): Mailer {
  const later = (ms: number) => new Date(clock.now().getTime() + ms);

  async function deliver({ ids }: { ids: number[] }, final: boolean) {
    const now = clock.now();
    const rows = await db
      .update(outgoingMail)
      .set({ lockedUntil: later(LEASE_MS), attempts: sql`${outgoingMail.attempts} + 1` })
      .where(
        and(
          inArray(outgoingMail.id, ids),
          or(isNull(outgoingMail.lockedUntil), lt(outgoingMail.lockedUntil, now)),
        ),
      )
      .returning();
    const outcomes = await Promise.allSettled(
      rows.map((r) =>
        transport.deliver({ to: r.recipient, subject: r.subject, text: r.text, html: r.html }),
      ),
    );
    const sent = rows.filter((_, i) => outcomes[i]!.status === 'fulfilled').map((r) => r.id);
    if (sent.length > 0) await db.delete(outgoingMail).where(inArray(outgoingMail.id, sent));
    const errors = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
    if (errors.length === 0) return { sent: sent.length };

    const reason = errors[0] instanceof Error ? errors[0].message : String(errors[0]);
    const failed = rows.filter((_, i) => outcomes[i]!.status === 'rejected').map((r) => r.id);
    await db
      .update(outgoingMail)
      .set({ lockedUntil: null, lastError: reason, failedAt: final ? now : null })
      .where(inArray(outgoingMail.id, failed));
    throw new Error(`${failed.length} of ${rows.length} messages not delivered: ${reason}`);
  }

  // Registered now, while the app is built, so a worker process knows the handler by name.
  const job: JobDefinition<{ ids: number[] }> = queue.register({
    name: 'mail.deliver',
    queue: 'mail',
    attempts: 6,
    handler: (payload, ctx) => deliver(payload, ctx.final),
  });

  async function enqueue(ids: number[], jobId?: string) {
    if (ids.length === 0) return;
    try {
      await queue.enqueue(job, { ids }, { id: jobId });
    } catch (err) {
      // A Redis outage is logged once where it is seen (redis.ts), not once per batch.
      const level = isOutage(err) ? 'debug' : 'warn';
      log[level]({ err, messages: ids.length }, 'mail not queued; the sweep queues it later');
    }
  }

  // Ids waiting for the batch's job; a crash loses only the batch, which the sweep then queues.
  let batch: number[] = [];
  let waiting = false;
  const flush = () => {
    const ids = batch;
    batch = [];
    return enqueue(ids);
  };

  let timer: NodeJS.Timeout | undefined;
  const mailer: Mailer = {
    async add(tx, messages) {
      if (messages.length === 0) return [];
      const statement = preparedStatement(
        tx,
        'mail_add',
        () => sql`with ${mailedCte} select id from mailed`,
      );
      const rows = await runPrepared<{ id: number }>(statement, mailValues(messages, clock.now()));
      return rows.map((r) => Number(r.id));
    },

    async dispatch(ids) {
      batch.push(...ids);
      if (batch.length >= BATCH_MAX) return flush();
      if (waiting || batch.length === 0) return;
      waiting = true;
      background.run('mail-batch', async () => {
        await new Promise((r) => setTimeout(r, BATCH_WAIT_MS));
        waiting = false;
        await flush();
      });
    },

    async sweep() {
      const now = clock.now();
      await db
        .delete(outgoingMail)
        .where(lt(outgoingMail.failedAt, new Date(now.getTime() - FAILED_KEPT_MS)));
      const rows = await db
        .select({ id: outgoingMail.id })
        .from(outgoingMail)
        .where(
          and(
            isNull(outgoingMail.failedAt),
            lt(outgoingMail.createdAt, new Date(now.getTime() - ORPHANED_AFTER_MS)),
            or(isNull(outgoingMail.lockedUntil), lt(outgoingMail.lockedUntil, now)),
          ),
        )
        .orderBy(outgoingMail.id)
        .limit(1000);
      // One job per message, named after it: a queue that still holds that job ignores the copy,
      // so a backlog swept every minute is not queued again and again.
      for (const { id } of rows) await enqueue([id], `mail-swept-${id}`);
      return rows.length;
    },

    startSweeping() {
      timer ??= setInterval(() => {
        mailer.sweep().catch((err: unknown) => log.warn({ err }, 'mail sweep failed'));
      }, SWEEP_EVERY_MS).unref();
    },

    async close() {
      clearInterval(timer);
      transport.close();
    },
  };
  return mailer;
}
