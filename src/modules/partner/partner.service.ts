// The supplier side: price-list imports (now or as a job), export, and order taking on/off.
import type { Db } from '../../platform/db/client.js';
import { AppError, notFound, type FieldError } from '../../platform/errors.js';
import type { JobDefinition, JobQueue } from '../../platform/queue.js';
import * as repo from './partner.repo.js';
import { exportPriceList } from './price-list.export.js';
import { importPriceList, type ImportSummary, type Progress } from './price-list.import.js';
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
  db: Db;
  queue: JobQueue;
  fetch: FetchOptions;
  /** Called after a commit that changed a shop's offers or state (drops cached catalog reads). */
  catalogChanged?: (shopIds: number[]) => Promise<void>;
}

export type PartnerService = ReturnType<typeof createPartnerService>;

const noShop = () => notFound('Shop (import a price list first)');

export function createPartnerService({ db, queue, fetch, catalogChanged }: PartnerDeps) {
  async function run(userId: number, source: PriceListSource, progress?: Progress) {
    const text = source.kind === 'url' ? await fetchPriceList(source.url, fetch) : source.text;
    const summary = await importPriceList(db, userId, readPriceList(text), progress);
    await catalogChanged?.([summary.shop.id]);
    return summary;
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

  async function shopOf(userId: number) {
    const shop = await repo.findShopByUser(db, userId);
    if (!shop) throw noShop();
    return shop;
  }
  const stateDto = (s: repo.ShopRow) => ({ id: s.id, name: s.name, state: s.state });

  return {
    importNow: (userId: number, source: PriceListSource) => run(userId, source),

    startImport: (userId: number, source: PriceListSource) =>
      queue.enqueue(importJob, { userId, source }, { owner: String(userId) }),

    /** Another account's job is 404, as if it did not exist. */
    async jobStatus(userId: number, id: string) {
      const job = await queue.status(id);
      if (!job || job.owner !== String(userId) || job.name !== importJob.name)
        throw notFound('Job');
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

    async exportYaml(userId: number) {
      return exportPriceList(db, await shopOf(userId));
    },

    state: async (userId: number) => stateDto(await shopOf(userId)),

    async setState(userId: number, state: boolean) {
      const shop = await repo.setShopState(db, (await shopOf(userId)).id, state);
      await catalogChanged?.([shop.id]);
      return stateDto(shop);
    },
  };
}
