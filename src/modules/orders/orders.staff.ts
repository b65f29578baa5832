// The staff's reads of orders: every buyer's placed orders filtered and paged, one order with its
// buyer and next states, counts by state and the daily totals of the dashboard.
import type { Db, Executor } from '../../platform/db/client.js';
import { problem } from '../../platform/problems.js';
import { emailsOf, findAccountByEmail } from '../accounts/index.js';
import { shopNamesOf } from '../catalog/index.js';
import * as repo from './orders.repo.js';
import type {
  PlacedState,
  StaffOrderDto,
  StaffOrderQuery,
  StaffOrderSummaryDto,
} from './orders.schemas.js';
import * as staffRepo from './orders.staff.repo.js';
import { PLACED_STATES } from './orders.tables.js';
import { createdOf, orderView } from './orders.views.js';

/** Staff moves along the life of an order; `canceled` returns the stock. */
export const TRANSITIONS: Record<PlacedState, PlacedState[]> = {
  new: ['confirmed', 'canceled'],
  confirmed: ['assembled', 'canceled'],
  assembled: ['sent', 'canceled'],
  sent: ['delivered'],
  delivered: [],
  canceled: [],
};

/**
 * A filtered count stops after this many orders, so no page counts a million rows; the state
 * alone (or nothing) is counted exactly by the per-state counters.
 */
export const STAFF_COUNT_CAP = 10_000;
const INT4_MAX = 2_147_483_647;
const DAY_MS = 86_400_000;
const CHART_DAYS = 30;
const CHART_TTL_MS = 60_000;

type DailySeries = { day: string; orders: number; revenue: number }[];

/** The filters of a query; null when `q` names no order or account, so nothing can match. */
async function filtersOf(db: Executor, q: StaffOrderQuery) {
  const f: staffRepo.StaffOrderFilters = { state: q.state, shopId: q.shop_id };
  if (q.created_from) f.from = q.created_from.at;
  if (q.created_to) {
    const { at, dateOnly } = q.created_to;
    f.before = dateOnly ? new Date(at.getTime() + DAY_MS) : at;
  }
  if (q.q) {
    if (/^\d+$/.test(q.q)) {
      if (Number(q.q) > INT4_MAX) return null;
      f.orderId = Number(q.q);
    } else {
      const account = await findAccountByEmail(db, q.q);
      if (!account) return null;
      f.userId = account.id;
    }
  }
  return f;
}

export type StaffOrders = ReturnType<typeof createStaffOrders>;

export function createStaffOrders(db: Db, countCap = STAFF_COUNT_CAP) {
  let chart: { from: number; at: number; series: Promise<DailySeries> } | undefined;

  async function stateCounts(): Promise<Record<PlacedState, number>> {
    const counts = await staffRepo.stateCounts(db);
    return Object.fromEntries(PLACED_STATES.map((s) => [s, counts.get(s) ?? 0])) as Record<
      PlacedState,
      number
    >;
  }

  async function count(f: staffRepo.StaffOrderFilters) {
    if (staffRepo.countedByState(f)) {
      const counts = await stateCounts();
      const n = f.state
        ? counts[f.state as PlacedState]
        : PLACED_STATES.reduce((a, s) => a + counts[s], 0);
      return { count: n, exact: true };
    }
    const n = await staffRepo.countPlacedUpTo(db, f, countCap);
    return n > countCap ? { count: countCap, exact: false } : { count: n, exact: true };
  }

  return {
    stateCounts,

    /** A page of placed orders, newest first, in a fixed number of queries. */
    async list(query: StaffOrderQuery, limit: number, offset: number) {
      const f = await filtersOf(db, query);
      if (!f) return { count: 0, exact: true, results: [] as StaffOrderSummaryDto[] };
      const [rows, total] = await Promise.all([
        staffRepo.listPlaced(db, f, limit, offset),
        count(f),
      ]);
      const [emails, shopNames] = await Promise.all([
        emailsOf(
          db,
          rows.map((r) => r.userId),
        ),
        shopNamesOf(
          db,
          rows.flatMap((r) => r.shopIds),
        ),
      ]);
      const results = rows.map((r): StaffOrderSummaryDto => ({
        id: r.id,
        created: createdOf(r),
        state: r.state as PlacedState,
        buyer: { id: r.userId, email: emails.get(r.userId) ?? '' },
        total_sum: Number(r.totalSum),
        total_quantity: Number(r.totalQuantity),
        shops: r.shopIds.map((id) => ({ id, name: shopNames.get(id) ?? '' })),
      }));
      return { ...total, results };
    },

    /** Any buyer's placed order, with the buyer and the states it may move to. */
    async get(orderId: number): Promise<StaffOrderDto> {
      const row = await repo.findOrder(db, orderId);
      if (!row) throw problem.notFound(`Order ${orderId} not found.`);
      const [order, emails] = await Promise.all([orderView(db, row), emailsOf(db, [row.userId])]);
      return {
        ...order,
        buyer: { id: row.userId, email: emails.get(row.userId) ?? '' },
        allowed_states: TRANSITIONS[order.state],
      };
    },

    /**
     * Orders placed (canceled left out) and revenue for each of the last 30 UTC days. Summing a
     * month of orders costs far more than the rest of the dashboard, so the series is kept for a
     * minute (per process): the chart may be that much behind, the counts never are.
     */
    async daily(now: Date) {
      const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
      const from = new Date(today - (CHART_DAYS - 1) * DAY_MS);
      if (!chart || chart.from !== from.getTime() || now.getTime() - chart.at >= CHART_TTL_MS) {
        const series = staffRepo.dailyTotals(db, from).then((rows) => {
          const byDay = new Map(rows.map((d) => [d.day, d]));
          return Array.from({ length: CHART_DAYS }, (_, i) => {
            const day = new Date(from.getTime() + i * DAY_MS).toISOString().slice(0, 10);
            return byDay.get(day) ?? { day, orders: 0, revenue: 0 };
          });
        });
        chart = { from: from.getTime(), at: now.getTime(), series };
        series.catch(() => (chart = undefined));
      }
      return chart.series;
    },
  };
}
