// The staff's view of accounts: search, and the type, active and staff flags. Taking a flag away
// ends the account's console sessions at once; no one can lock themselves out.
import type { Db } from '../../platform/db/client.js';
import { problem } from '../../platform/problems.js';
import * as repo from './accounts.repo.js';

export interface AccountFlags {
  type: 'buyer' | 'shop';
  isActive: boolean;
  isStaff: boolean;
}

export const staffUserDto = (u: repo.UserRow) => ({
  id: u.id,
  email: u.email,
  firstName: u.firstName,
  lastName: u.lastName,
  company: u.company,
  type: u.type,
  isActive: u.isActive,
  isStaff: u.isStaff,
  createdAt: u.createdAt,
});

export type StaffUserDto = ReturnType<typeof staffUserDto>;

export function createStaffAccounts(db: Db) {
  return {
    async list(q: string | undefined, limit: number, offset: number) {
      const { count, rows } = await repo.listUsers(db, q, limit, offset);
      return { count, results: rows.map(staffUserDto) };
    },

    countBuyers: () => repo.countBuyers(db),

    emailsOf: (ids: number[]) => repo.emailsOf(db, ids),

    /** Sets the flags of `userId` as staff member `actorId`, who cannot lock themselves out. */
    async setFlags(actorId: number, userId: number, flags: AccountFlags) {
      if (actorId === userId && (!flags.isStaff || !flags.isActive))
        throw problem.selfLockout(
          'You cannot remove your own staff flag or deactivate yourself; ask another staff user.',
        );
      return db.transaction(async (tx) => {
        if (!(await repo.findUserById(tx, userId))) throw problem.notFound('Account not found.');
        const row = await repo.updateUser(tx, userId, flags);
        if (!flags.isStaff || !flags.isActive) await repo.deleteUserSessions(tx, userId);
        return staffUserDto(row);
      });
    },
  };
}
