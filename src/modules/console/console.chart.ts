// The dashboard's chart, drawn on the server as SVG: orders per day as bars (left scale) and
// revenue per day as a line (right scale). Only geometry is computed here; the template draws it.

export interface Day {
  day: string;
  orders: number;
  revenue: number;
}

const W = 760;
const H = 260;
const PAD = { left: 44, right: 84, top: 16, bottom: 36 };

/** A round top for a scale: 1, 2 or 5 times a power of ten, at least `max`. */
export function niceMax(max: number): number {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((m) => m * power).find((v) => v >= max)!;
}

const round = (n: number) => Math.round(n * 10) / 10;

export function chartOf(days: Day[]) {
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const maxOrders = niceMax(Math.max(...days.map((d) => d.orders)));
  const maxRevenue = niceMax(Math.max(...days.map((d) => d.revenue)));
  const step = plotW / days.length;
  const y = (v: number, max: number) => round(PAD.top + plotH - (v / max) * plotH);
  const bars = days.map((d, i) => ({
    x: round(PAD.left + i * step + step * 0.15),
    y: y(d.orders, maxOrders),
    width: round(step * 0.7),
    height: round((d.orders / maxOrders) * plotH),
    ...d,
  }));
  const points = days
    .map((d, i) => `${round(PAD.left + (i + 0.5) * step)},${y(d.revenue, maxRevenue)}`)
    .join(' ');
  const ticks = [0, 0.5, 1].map((f) => ({
    y: y(f, 1),
    orders: Math.round(maxOrders * f),
    revenue: Math.round(maxRevenue * f),
  }));
  // Every fifth day is labelled, and the last one.
  const labels = days
    .map((d, i) => ({ x: round(PAD.left + (i + 0.5) * step), text: d.day.slice(5), i }))
    .filter((l) => l.i % 5 === 0 || l.i === days.length - 1);
  return {
    width: W,
    height: H,
    plot: { left: PAD.left, right: W - PAD.right, top: PAD.top, bottom: H - PAD.bottom },
    bars,
    points,
    ticks,
    labels,
    totals: {
      orders: days.reduce((n, d) => n + d.orders, 0),
      revenue: days.reduce((n, d) => n + d.revenue, 0),
    },
  };
}
