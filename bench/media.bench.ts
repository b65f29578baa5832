// Picture uploads on one API process: PUT /user/avatar/upload/ with a 12-megapixel JPEG photo and
// with a 2-megapixel PNG, each from BENCH_CLIENTS clients at once for BENCH_SECONDS. Every upload
// replaces the client's avatar, so the server decodes, re-encodes, makes two thumbnails, writes
// three files and removes three. Reports uploads/s, latency p50/p99, refusals (503 when more than
// the server admits are under way), server CPU per upload and the server's peak RSS (VmHWM).
//   BENCH_MEDIA_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/purchases_bench_media, RECREATED)
//   BENCH_SECONDS per picture (20), BENCH_CLIENTS (4), BENCH_UPLOADS: stop each run after this
//   many uploads (smoke runs: BENCH_SECONDS=5 BENCH_UPLOADS=4)
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import sharp from 'sharp';
import { hashSecret } from '../src/lib/tokens.js';
import { openDatabase } from '../src/platform/db/client.js';
import { recreateDatabase } from './catalog-data.js';
import { cpuSeconds, peakRssMb, saveReport, startServer } from './lib.js';

const url =
  process.env.BENCH_MEDIA_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/purchases_bench_media';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 4);
const MAX_UPLOADS = Number(process.env.BENCH_UPLOADS ?? Infinity);
const TARGET = { picture: 'jpeg-12mp', uploadsPerSecond: 5, peakRssMb: 350 };

/** Photo-like content: smooth colour fields from upscaled noise (flat colour would flatter). */
async function photo(width: number, height: number, format: 'jpeg' | 'png') {
  const small = {
    width: Math.ceil(width / 40),
    height: Math.ceil(height / 40),
    channels: 3 as const,
  };
  const noise = Buffer.alloc(small.width * small.height * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919 + (i >> 3) * 104729) % 256;
  const image = sharp(noise, { raw: small }).resize(width, height, { kernel: 'cubic' });
  return format === 'jpeg' ? image.jpeg({ quality: 90 }).toBuffer() : image.png().toBuffer();
}

function multipart(file: Buffer, filename: string) {
  const boundary = '----purchasesbench';
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="avatar"; filename="${filename}"\r\n` +
        'Content-Type: application/octet-stream\r\n\r\n',
    ),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

async function seedBuyers(n: number): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const rows = await c.query<{ id: number }>(
      `insert into users (email, password_hash, type, is_active)
       select 'buyer' || i || '@bench.test', 'x', 'buyer', true from generate_series(1, $1::int) i returning id`,
      [n],
    );
    const keys = [];
    for (const { id } of rows.rows) {
      const key = `bench-media-${id}`;
      await c.query('insert into auth_tokens (user_id, key_hash) values ($1, $2)', [
        id,
        hashSecret(key),
      ]);
      keys.push(key);
    }
    return keys;
  } finally {
    await c.end();
  }
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function put(port: number, token: string, upload: ReturnType<typeof multipart>) {
  return new Promise<number>((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/user/avatar/upload/',
        method: 'PUT',
        agent,
        headers: {
          authorization: `Token ${token}`,
          'content-type': upload.contentType,
          'content-length': upload.body.length,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      },
    );
    req.on('error', reject);
    req.end(upload.body);
  });
}

const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length
    ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
    : 0;
};
const round = (x: number, digits = 1) => Number(x.toFixed(digits));

async function measure(name: string, file: Buffer, filename: string, tokens: string[]) {
  const mediaRoot = await mkdtemp(join(os.tmpdir(), 'purchases-bench-media-'));
  const { child, port } = await startServer(url, { MEDIA_ROOT: mediaRoot, LOG_REQUESTS: 'false' });
  const upload = multipart(file, filename);
  try {
    await put(port, tokens[0]!, upload); // warm-up: JIT, libvips, the connection pool
    const loadavgBefore = os.loadavg()[0]!;
    const cpuBefore = cpuSeconds(child.pid);
    const latencies: number[] = [];
    let refused = 0;
    let failed = 0;
    let started = 0;
    const end = performance.now() + SECONDS * 1000;
    const t0 = performance.now();
    await Promise.all(
      tokens.map(async (token) => {
        while (performance.now() < end && started < MAX_UPLOADS) {
          started++;
          const t = performance.now();
          const status = await put(port, token, upload);
          if (status === 200) latencies.push(performance.now() - t);
          else if (status === 503) refused++;
          else failed++;
        }
      }),
    );
    const elapsed = (performance.now() - t0) / 1000;
    const result = {
      picture: name,
      bytes: file.length,
      clients: tokens.length,
      uploads: latencies.length,
      uploadsPerSecond: round(latencies.length / elapsed, 2),
      p50Ms: round(percentile(latencies, 50)),
      p99Ms: round(percentile(latencies, 99)),
      refused503: refused,
      failed,
      serverCpuMsPerUpload: round(((cpuSeconds(child.pid) - cpuBefore) * 1000) / latencies.length),
      peakRssMb: await peakRssMb(child.pid!),
      loadavgBefore: round(loadavgBefore, 2),
    };
    console.log(
      `  ${name}: ${result.uploadsPerSecond} uploads/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, ` +
        `${refused} refused (503), ${failed} failed, ${result.serverCpuMsPerUpload} CPU ms/upload, ` +
        `peak RSS ${result.peakRssMb} MB (load ${result.loadavgBefore})`,
    );
    return result;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await rm(mediaRoot, { recursive: true, force: true });
  }
}

async function main() {
  console.log(
    `media: ${CLIENTS} clients, ${SECONDS} s per picture, database ${url.replace(/\/\/[^@]*@/, '//')} …`,
  );
  await recreateDatabase(url);
  const database = await openDatabase({ url });
  await database.migrate();
  await database.close();
  const tokens = await seedBuyers(CLIENTS);
  const [jpeg, png] = await Promise.all([photo(4000, 3000, 'jpeg'), photo(1600, 1250, 'png')]);

  const results = [
    await measure('jpeg-12mp', jpeg, 'photo.jpg', tokens),
    await measure('png-2mp', png, 'picture.png', tokens),
  ];
  agent.destroy();

  const jpegResult = results[0]!;
  const machine = {
    cpu: `${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length}`,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    note:
      'PostgreSQL, the API process (one, local storage on this disk) and the load generator share these ' +
      'cores; other engineers may have run test suites meanwhile (see loadavgBefore).',
  };
  const report = {
    bench: 'media',
    date: new Date().toISOString(),
    machine,
    secondsPerPicture: SECONDS,
    maxUploads: Number.isFinite(MAX_UPLOADS) ? MAX_UPLOADS : null,
    target: TARGET,
    // The target is the photo's; the PNG's figures are shown beside it.
    meetsTarget:
      jpegResult.uploadsPerSecond >= TARGET.uploadsPerSecond &&
      jpegResult.peakRssMb <= TARGET.peakRssMb,
    results,
  };
  const md = [
    `# Picture uploads: PUT /user/avatar/upload/ (${report.date})`,
    '',
    `Machine: ${machine.cpu}, ${machine.memoryGb} GB, ${machine.os}, Node ${machine.node}.`,
    machine.note,
    'The server runs with MALLOC_ARENA_MAX=2, as the image sets it (see README, Pictures).',
    `${CLIENTS} clients, each replacing its own avatar; ${SECONDS} s per picture after one warm-up upload.`,
    '',
    '| picture | bytes | uploads/s | p50 ms | p99 ms | refused (503) | failed | server CPU ms/upload | peak RSS MB | load before |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.picture} | ${r.bytes} | ${r.uploadsPerSecond} | ${r.p50Ms} | ${r.p99Ms} | ${r.refused503} | ${r.failed} | ${r.serverCpuMsPerUpload} | ${r.peakRssMb} | ${r.loadavgBefore} |`,
    ),
    '',
    `Target: ≥ ${TARGET.uploadsPerSecond} uploads/s of 12-megapixel JPEGs with peak RSS ≤ ${TARGET.peakRssMb} MB → ${report.meetsTarget ? 'met' : 'NOT met'}.`,
    '',
  ].join('\n');
  await saveReport('media', report, md);
  console.log(md);
  if (results.some((r) => r.failed > 0)) process.exit(1);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
