// The supplier side: price-list imports (now or as a job), export, order taking on/off and the
// shop's orders. The catalog and orders modules own the data; this reads and checks price lists.
import { AppError, problem, type FieldError } from '../../platform/problems.js';
import type { JobDefinition, JobQueue } from '../../platform/queue.js';
import type { CatalogService, ImportSummary, Progress } from '../catalog/index.js';
import type { OrdersService, PlacedState } from '../orders/index.js';
import { writePriceList } from './price-list.export.js';
import { readPriceList } from './price-list.yaml.js';
import { fetchPriceList, type FetchOptions } from './url-fetch.js';

export type PriceListSource = { kind: 'text'; text: string } | { kind: 'url'; url: string };

interface ImportJobPayload {
  userId: number;
  source: PriceListSource;
}

/** Expected failures (an invalid file) are a result, not a crash: they must not be retried. */
type ImportJobResult =
  | { ok: true; summary: ImportSummary }
  | { ok: false; status: number; detail: string; errors: FieldError[] | null };

export interface PartnerDeps {
  catalog: CatalogService;
  orders: OrdersService;
  queue: JobQueue;
  fetch: FetchOptions;
}

export type PartnerService = ReturnType<typeof createPartnerService>;

export function createPartnerService({ catalog, orders, queue, fetch }: PartnerDeps) {
  async function run(userId: number, source: PriceListSource, progress?: Progress) {
    const text = source.kind === 'url' ? await fetchPriceList(source.url, fetch) : source.text;
    return catalog.importPriceList(userId, readPriceList(text), progress);
  }

  // Registered while the app is built, so `npm run worker` knows the handler by name.
  const importJob: JobDefinition<ImportJobPayload, ImportJobResult> = queue.register({
    name: 'partner.import-price-list',
    queue: 'import',
    // The import is one transaction, so a retry after a lost connection starts clean.
    attempts: 2,
    handler: async ({ userId, source }, ctx) => {
      try {
        return { ok: true, summary: await run(userId, source, ctx.progress) };
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        return { ok: false, status: err.status, detail: err.detail, errors: err.errors ?? null };
      }
    },
  });

  return {
    importNow: (userId: number, source: PriceListSource) => run(userId, source),

    startImport: (userId: number, source: PriceListSource) =>
      queue.enqueue(importJob, { userId, source }, { owner: String(userId) }),

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
