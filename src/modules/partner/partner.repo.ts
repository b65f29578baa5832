// Import requests: a price list (or its URL) kept until its job is done with it.
import { and, eq, gte, lt, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/client.js';
import { importRequests } from './partner.tables.js';

export type ImportRequest = typeof importRequests.$inferSelect;

// Any constant will do: it names the advisory locks that count one shop's requests at a time.
const QUEUE_LOCK = 7_042_002;

/**
 * Stores a request unless the account already has `max` younger than `staleAfterMs` (older ones
 * belong to jobs that were lost, e.g. with an in-process queue at a restart, and are dropped).
 * Counted under a per-account lock, so parallel uploads cannot both pass the limit.
 */
export async function addImportRequest(
  db: Db,
  values: { userId: number; text?: string; url?: string; createdAt: Date },
  max: number,
  staleAfterMs: number,
): Promise<number | undefined> {
  const stale = new Date(values.createdAt.getTime() - staleAfterMs);
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${QUEUE_LOCK}, ${values.userId})`);
    const mine = eq(importRequests.userId, values.userId);
    await tx.delete(importRequests).where(and(mine, lt(importRequests.createdAt, stale)));
    const [{ n } = { n: 0 }] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(importRequests)
      .where(and(mine, gte(importRequests.createdAt, stale)));
    if (n >= max) return undefined;
    const [row] = await tx
      .insert(importRequests)
      .values(values)
      .returning({ id: importRequests.id });
    return row!.id;
  });
}

export async function findImportRequest(db: Db, id: number): Promise<ImportRequest | undefined> {
  const [row] = await db.select().from(importRequests).where(eq(importRequests.id, id));
  return row;
}

export async function deleteImportRequest(db: Db, id: number): Promise<void> {
  await db.delete(importRequests).where(eq(importRequests.id, id));
}
