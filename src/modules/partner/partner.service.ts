// The supplier side: price-list imports (now or as a job), export, order taking on/off and the
// shop's orders. The catalog and orders modules own the data; this reads and checks price lists.
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/client.js';
import { AppError, problem, type FieldError } from '../../platform/problems.js';
import type { JobDefinition, JobQueue } from '../../platform/queue.js';
import type { CatalogService, ImportSummary, Progress } from '../catalog/index.js';
import type { OrdersService, PlacedState } from '../orders/index.js';
import * as repo from './partner.repo.js';
import { writePriceList } from './price-list.export.js';
import { readPriceList } from './price-list.yaml.js';
import { fetchPriceList, type FetchOptions } from './url-fetch.js';

/** An uploaded file (its bytes) or a URL to download it from. */
export type PriceListSource = { kind: 'file'; file: Buffer } | { kind: 'url'; url: string };

/** Only the id: the price list waits in the database (import_requests), not in the job store. */
interface ImportJobPayload {
  requestId: number;
}

/** Imports one shop may have queued or running at once; more → 429. */
export const MAX_QUEUED_IMPORTS = 2;
/** A request this old belongs to a job that was lost (an in-process queue at a restart). */
const REQUEST_STALE_MS = 3_600_000;

/** Expected failures (an invalid file) are a result, not a crash: they must not be retried. */
type ImportJobResult =
  | { ok: true; summary: ImportSummary }
  | { ok: false; status: number; detail: string; errors: FieldError[] | null };

export interface PartnerDeps {
  db: Db;
  clock: Clock;
  catalog: CatalogService;
  orders: OrdersService;
  queue: JobQueue;
  fetch: FetchOptions;
}

export type PartnerService = ReturnType<typeof createPartnerService>;

export function createPartnerService({ db, clock, catalog, orders, queue, fetch }: PartnerDeps) {
  async function run(userId: number, source: PriceListSource, progress?: Progress) {
    const file = source.kind === 'url' ? await fetchPriceList(source.url, fetch) : source.file;
    return catalog.importPriceList(userId, readPriceList(file), progress);
  }

  /** Runs a queued request; the request is deleted once no attempt will follow. */
  async function runRequest(requestId: number, progress: Progress, final: boolean) {
    const request = await repo.findImportRequest(db, requestId);
    if (!request) {
      return { ok: false as const, status: 410, detail: 'The upload is gone.', errors: null };
    }
    const source: PriceListSource =
      request.url !== null
        ? { kind: 'url', url: request.url }
        : { kind: 'file', file: Buffer.from(request.text!) };
    let done = true;
    try {
      return { ok: true as const, summary: await run(request.userId, source, progress) };
    } catch (err) {
      if (!(err instanceof AppError)) {
        done = final;
        throw err;
      }
      return {
        ok: false as const,
        status: err.status,
        detail: err.detail,
        errors: err.errors ?? null,
      };
    } finally {
      if (done) await repo.deleteImportRequest(db, requestId);
    }
  }

  // Registered while the app is built, so `npm run worker` knows the handler by name.
  const importJob: JobDefinition<ImportJobPayload, ImportJobResult> = queue.register({
    name: 'partner.import-price-list',
    queue: 'import',
    // The import is one transaction, so a retry after a lost connection starts clean.
    attempts: 2,
    handler: ({ requestId }, ctx) => runRequest(requestId, ctx.progress, ctx.final),
  });

  return {
    importNow: (userId: number, source: PriceListSource) => run(userId, source),

    /** Keeps the price list in the database and queues its import; at most a few per shop. */
    async startImport(userId: number, source: PriceListSource) {
      const requestId = await repo.addImportRequest(
        db,
        {
          userId,
          ...(source.kind === 'url' ? { url: source.url } : { text: source.file.toString('utf8') }),
          createdAt: clock.now(),
        },
        MAX_QUEUED_IMPORTS,
        REQUEST_STALE_MS,
      );
      if (requestId === undefined) {
        throw problem.importsQueued(
          `${MAX_QUEUED_IMPORTS} imports of this shop are already queued or running; send the next when one has ended.`,
          { headers: { 'Retry-After': '30' } },
        );
      }
      try {
        return await queue.enqueue(importJob, { requestId }, { owner: String(userId) });
      } catch (err) {
        await repo.deleteImportRequest(db, requestId);
        throw err;
      }
    },

    /** Another account's job is 404, as if it did not exist. */
    async jobStatus(userId: number, id: string) {
      const job = await queue.status(id);
      if (!job || job.owner !== String(userId) || job.name !== importJob.name)
        throw problem.notFound('Job not found.');
      const result = job.result as ImportJobResult | null;
      const failed = job.state === 'failed' || (result !== null && !result.ok);
      return {
        id: job.id,
        state: failed ? ('failed' as const) : job.state,
        progress: job.progress,
        result: result?.ok ? result.summary : null,
        detail:
          result && !result.ok
            ? result.detail
            : job.state === 'failed'
              ? 'The import failed; try again.'
              : null,
        errors: result && !result.ok ? result.errors : null,
      };
    },

    exportYaml: async (userId: number) => writePriceList(await catalog.shopForExport(userId)),

    state: (userId: number) => catalog.shopState(userId),

    setState: (userId: number, state: boolean) => catalog.setShopState(userId, state),

    /** The shop's placed orders with only its lines; an account without a shop yet has none. */
    async orders(userId: number, state: PlacedState | undefined, limit: number, offset: number) {
      const shopId = await catalog.shopIdOf(userId);
      if (shopId === undefined) return { count: 0, results: [] };
      return orders.ofShop(shopId, state, limit, offset);
    },
  };
}
