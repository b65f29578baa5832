// `Idempotency-Key` for order confirmation, kept in PostgreSQL so every API process agrees. The key
// is claimed inside the order's transaction and its answer stored in the same transaction: a
// request that fails or dies leaves no key behind, and a repeat sent while the first is running
// waits on the key's row until the first commits (then replays it) or rolls back (then runs).
import { createHash } from 'node:crypto';
import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { problem } from '../../platform/problems.js';
import { idempotencyKeys } from './orders.tables.js';

export const KEY_TTL_MS = 24 * 3_600_000;

export type Claim = { kind: 'claimed' } | { kind: 'replay'; body: unknown };

export const requestHash = (body: unknown) =>
  createHash('sha256').update(JSON.stringify(body)).digest('hex');

/** Pass the order's transaction: the claim lasts exactly as long as it. */
export function createIdempotency() {
  let claims = 0;
  return {
    /** Claims the key for this request, or says what to answer instead. */
    async claim(
      tx: Executor,
      userId: number,
      key: string,
      hash: string,
      now: Date,
    ): Promise<Claim> {
      const expired = new Date(now.getTime() - KEY_TTL_MS);
      if (++claims % 500 === 0) {
        await tx.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, expired));
      }
      const [mine] = await tx
        .insert(idempotencyKeys)
        .values({ userId, key, requestHash: hash, createdAt: now })
        .onConflictDoUpdate({
          target: [idempotencyKeys.userId, idempotencyKeys.key],
          set: { requestHash: hash, response: null, createdAt: now },
          // An expired key is free again, as is one without an answer (kept by an older version).
          setWhere: or(lt(idempotencyKeys.createdAt, expired), isNull(idempotencyKeys.response)),
        })
        .returning({ key: idempotencyKeys.key });
      if (mine) return { kind: 'claimed' };

      const [row] = await tx
        .select()
        .from(idempotencyKeys)
        .where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key)));
      if (row!.requestHash !== hash) {
        throw problem.idempotencyKeyReused(
          'This Idempotency-Key was used with a different request body; use a new key for a new request.',
        );
      }
      return { kind: 'replay', body: row!.response };
    },

    async complete(tx: Executor, userId: number, key: string, body: unknown) {
      await tx
        .update(idempotencyKeys)
        .set({ response: sql`${JSON.stringify(body)}::jsonb` })
        .where(and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key)));
    },
  };
}
