// One size of the import benchmark (bench/import.bench.ts), run as the service runs: compiled
// JavaScript from dist/ without a loader, in a process of its own so its peak RSS is the import's.
//   node bench/import-child.mjs <database url> <goods> <runs> <dir with the generated lists>
//   node bench/import-child.mjs <database url> <goods> shops:<n> <dir>: the first imports of n
//     shops in turn (<dir>/shop-<i>.yaml), each into a catalog that holds the ones before
import { readFileSync } from 'node:fs';
import { users } from '../dist/modules/accounts/accounts.tables.js';
import { importPriceList } from '../dist/modules/catalog/catalog.import.js';
import { readPriceList } from '../dist/modules/partner/price-list.yaml.js';
import { openDatabase } from '../dist/platform/db/client.js';

const [url, goods, runs, dir] = process.argv.slice(2);

/** Reading and checking every good without writing: the part of an import that is not SQL. */
function readOnly(file) {
  const t0 = performance.now();
  let goods = 0;
  for (const batch of readPriceList(file).goods(2_500)) goods += batch.length;
  return { seconds: (performance.now() - t0) / 1000, goods };
}

async function timed(database, userId, file) {
  const t0 = performance.now();
  const { created, updated, withdrawn } = await importPriceList(
    database.db,
    userId,
    readPriceList(file),
  );
  return { seconds: (performance.now() - t0) / 1000, summary: { created, updated, withdrawn } };
}

const database = await openDatabase({ url });

async function newShopUser(label) {
  const [user] = await database.db
    .insert(users)
    .values({
      email: `bench-${label}-${Date.now()}@example.com`,
      passwordHash: 'x',
      firstName: 'B',
      lastName: 'B',
      type: 'shop',
      isActive: true,
    })
    .returning();
  return user;
}

if (runs.startsWith('shops:')) {
  const shops = [];
  try {
    for (let i = 0; i < Number(runs.slice(6)); i++) {
      const user = await newShopUser(`shop-${i}`);
      shops.push(await timed(database, user.id, readFileSync(`${dir}/shop-${i}.yaml`)));
    }
  } finally {
    await database.close();
  }
  const peakRssMb = (process.resourceUsage().maxRSS * 1024) / 1048576;
  console.log(JSON.stringify({ goods: Number(goods), shops, peakRssMb }));
  process.exit(0);
}

const result = {
  goods: Number(goods),
  runs: Number(runs),
  yamlMb: 0,
  first: [],
  unchanged: [],
  changed10: [],
  read: [],
};
let peakHeap = 0;
const sampler = setInterval(() => {
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
}, 50);
try {
  for (let run = 0; run < result.runs; run++) {
    const user = await newShopUser(`${goods}-${run}`);
    // Files written by the parent, so generating them does not count in this process's memory.
    // As bytes, as the service receives an upload.
    let file = readFileSync(`${dir}/${goods}-${run}.yaml`);
    result.yamlMb = file.length / 1048576;
    result.first.push(await timed(database, user.id, file));
    result.unchanged.push(await timed(database, user.id, file));
    result.read.push(readOnly(file));
    file = null;
    file = readFileSync(`${dir}/${goods}-${run}-changed.yaml`);
    result.changed10.push(await timed(database, user.id, file));
    file = null;
  }
} finally {
  clearInterval(sampler);
  await database.close();
}
result.peakHeapMb = peakHeap / 1048576;
result.peakRssMb = (process.resourceUsage().maxRSS * 1024) / 1048576;
console.log(JSON.stringify(result));
