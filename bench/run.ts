// `npm run bench`: runs every bench/*.bench.ts in turn, each in its own tsx process, so one
// benchmark's server, pools and heap never colour another's figures. `npm run bench -- orders`
// runs only the benchmarks whose file name contains "orders".
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

let failed = 0;
for (const file of benches) {
  console.log(`\n=== ${file} ===`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', `${dir}${file}`], {
    stdio: 'inherit',
  });
  if (run.status !== 0) {
    failed++;
    console.error(`${file} failed (exit ${run.status ?? run.signal})`);
  }
}
console.log(
  `\n${benches.length - failed} of ${benches.length} benchmarks finished; reports in bench/results/.`,
);
process.exit(failed > 0 ? 1 : 0);
