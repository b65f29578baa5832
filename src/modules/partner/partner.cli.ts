// `npm run import-price-list -- --shop-email E FILE`: the same import as POST /partner/update/.
import { readFile, stat } from 'node:fs/promises';
import { findUserByEmail } from '../accounts/accounts.repo.js';
import type { Db } from '../../platform/db/client.js';
import { AppError } from '../../platform/errors.js';
import { importPriceList, type ImportSummary } from './price-list.import.js';
import { readPriceList } from './price-list.yaml.js';
import { tooLarge } from './url-fetch.js';

export async function importPriceListFile(
  db: Db,
  email: string,
  file: string,
  maxBytes: number,
): Promise<ImportSummary> {
  const user = await findUserByEmail(db, email.trim().toLowerCase());
  if (!user) throw new AppError(404, 'not-found', `No account with the email ${email}.`);
  if (user.type !== 'shop') throw new AppError(403, 'forbidden', `${email} is not a shop account.`);
  const size = await stat(file).then(
    (st) => st.size,
    (err: NodeJS.ErrnoException) => {
      throw new AppError(
        400,
        'unreadable-file',
        `Cannot read ${file}: ${err.code ?? err.message}.`,
      );
    },
  );
  if (size > maxBytes) throw tooLarge(maxBytes);
  return importPriceList(db, user.id, readPriceList(await readFile(file, 'utf8')));
}

export const describeSummary = (s: ImportSummary) =>
  `Shop "${s.shop.name}" (id ${s.shop.id}): ${s.categories} categories, ${s.created} created, ` +
  `${s.updated} updated, ${s.withdrawn} withdrawn.`;
