// `npm run import-price-list -- --shop-email E FILE`: the same import as POST /partner/update/.
import { readFile, stat } from 'node:fs/promises';
import type { Db } from '../../platform/db/client.js';
import { problem } from '../../platform/problems.js';
import { findAccountByEmail } from '../accounts/index.js';
import type { CatalogService, ImportSummary } from '../catalog/index.js';
import { readPriceList } from './price-list.yaml.js';
import { tooLarge } from './url-fetch.js';

export async function importPriceListFile(
  { db, catalog }: { db: Db; catalog: CatalogService },
  email: string,
  file: string,
  maxBytes: number,
): Promise<ImportSummary> {
  const account = await findAccountByEmail(db, email);
  if (!account) throw problem.notFound(`No account with the email ${email}.`);
  if (account.type !== 'shop') throw problem.forbidden(`${email} is not a shop account.`);
  const size = await stat(file).then(
    (st) => st.size,
    (err: NodeJS.ErrnoException) => {
      throw problem.unreadableFile(`Cannot read ${file}: ${err.code ?? err.message}.`);
    },
  );
  if (size > maxBytes) throw tooLarge(maxBytes);
  return catalog.importPriceList(account.id, readPriceList(await readFile(file)));
}

export const describeSummary = (s: ImportSummary) =>
  `Shop "${s.shop.name}" (id ${s.shop.id}): ${s.categories} categories, ${s.created} created, ` +
  `${s.updated} updated, ${s.withdrawn} withdrawn.`;
