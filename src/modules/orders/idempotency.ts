// `Idempotency-Key` for order confirmation, kept in PostgreSQL so every API process agrees.
// A key is claimed (autocommitted) before the work starts; its answer is stored when the work
// succeeds. A failed attempt created nothing, so it gives its key back for an honest retry.
import { createHash } from 'node:crypto';
import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/client.js';
import { problem } from '../../platform/problems.js';
import { idempotencyKeys } from './orders.tables.js';

export const KEY_TTL_MS = 24 * 3_600_000;
/** A claim this old without an answer belongs to a process that died; the key is free again. */
const ABANDONED_MS = 5 * 60_000;

export type Claim = { kind: 'claimed' } | { kind: 'replay'; body: unknown };

export const requestHash = (body: unknown) =>
  createHash('sha256').update(JSON.stringify(body)).digest('hex');

export function createIdempotency(db: Db) {
  let claims = 0;
  return {
    /** Claims the key for this request, or says what to answer instead. */
    async claim(userId: number, key: string, hash: string, now: Date): Promise<Claim> {
      const expired = new Date(now.getTime() - KEY_TTL_MS);
      const abandoned = new Date(now.getTime() - ABANDONED_MS);
      if (++claims % 500 === 0) {
        await db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, expired));
      }
      const [mine] = await db
        .insert(idempotencyKeys)
        .values({ userId, key, requestHash: hash, createdAt: now })
        .onConflictDoUpdate({
          target: [idempotencyKeys.userId, idempotencyKeys.key],
          set: { requestHash: hash, status: null, response: null, createdAt: now },
          setWhere: or(
            lt(idempotencyKeys.createdAt, expired),
            and(isNull(idempotencyKeys.status), lt(idempotencyKeys.createdAt, abandoned)),
          ),
        })
        .returning({ key: idempotencyKeys.key });
      if (mine) return { kind: 'claimed' };

      const [row] = await db
        .select()
        .from(idempotencyKeys)
        .where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key)));
      // Released between our insert and our look: rare; the client may simply retry.
      if (!row || row.status === null) {
        if (row && row.requestHash !== hash) throw reused();
        throw problem.idempotencyInFlight(
          'A request with this Idempotency-Key is still being processed; retry when it has finished.',
        );
      }
      if (row.requestHash !== hash) throw reused();
      return { kind: 'replay', body: row.response };
    },

    async complete(userId: number, key: string, status: number, body: unknown) {
      await db
        .update(idempotencyKeys)
        .set({ status, response: sql`${JSON.stringify(body)}::jsonb` })
        .where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key)));
    },

    async release(userId: number, key: string) {
      await db
        .delete(idempotencyKeys)
        .where(
          and(
            eq(idempotencyKeys.userId, userId),
            eq(idempotencyKeys.key, key),
            isNull(idempotencyKeys.status),
          ),
        );
    },
  };
}

const reused = () =>
  problem.idempotencyKeyReused(
    'This Idempotency-Key was used with a different request body; use a new key for a new request.',
  );
