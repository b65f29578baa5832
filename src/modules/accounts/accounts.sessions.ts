// Staff console sessions: signing in checks the password like /login/ (same failure limiter), and
// the browser gets a random key whose SHA-256 alone is stored. A session lapses after 12 idle
// hours and ends at sign-out, a password reset or change, or when its user stops being active
// staff (accounts.staff.ts).
import { hashSecret, newSecret } from '../../lib/tokens.js';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/client.js';
import { problem } from '../../platform/problems.js';
import * as repo from './accounts.repo.js';

export const SESSION_IDLE_MS = 12 * 3_600_000;
/** Last-seen times are written at most this often, so a busy session is not a write per page. */
const TOUCH_EVERY_MS = 60_000;

export interface SessionUser {
  id: number;
  email: string;
  type: 'buyer' | 'shop';
  isStaff: boolean;
}

interface SessionDeps {
  db: Db;
  clock: Clock;
  checkCredentials(email: string, password: string): Promise<repo.UserRow>;
}

export function createSessions({ db, clock, checkCredentials }: SessionDeps) {
  const idleSince = (now: Date) => new Date(now.getTime() - SESSION_IDLE_MS);

  return {
    idleMs: SESSION_IDLE_MS,

    /**
     * A new session for active staff; the key goes to the browser only. Wrong credentials are the
     * same 401 (and failure count) as /login/; an account that is not staff gets 403.
     */
    async signIn(email: string, password: string) {
      const user = await checkCredentials(email, password);
      if (!user.isStaff) throw problem.forbidden('Only staff users may sign in to the console.');
      const key = newSecret();
      const now = clock.now();
      await db.transaction(async (tx) => {
        await repo.deleteUserSessions(tx, user.id, idleSince(now));
        await repo.insertSession(tx, user.id, hashSecret(key), now);
      });
      return { key, user: { id: user.id, email: user.email, type: user.type, isStaff: true } };
    },

    /** The active staff user of a live session, or null; the idle clock restarts. */
    async user(key: string): Promise<SessionUser | null> {
      const now = clock.now();
      const found = await repo.findStaffSession(db, hashSecret(key), idleSince(now));
      if (!found) return null;
      if (now.getTime() - found.lastSeenAt.getTime() >= TOUCH_EVERY_MS)
        await repo.touchSession(db, found.sessionId, now);
      return { id: found.id, email: found.email, type: found.type, isStaff: found.isStaff };
    },

    signOut: (key: string) => repo.deleteSession(db, hashSecret(key)),
  };
}
