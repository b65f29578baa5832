// Synthetic price lists in the format of shared/data/shop1.yaml: N goods, 20 categories,
// 4 parameters each (a text, a decimal, a WxH text and a boolean, as real files have).
// `npx tsx bench/generate-price-list.ts 100000 > list.yaml` writes one to stdout.
import { pathToFileURL } from 'node:url';

export interface GenerateOptions {
  shop?: string;
  /** Makes product names distinct between runs, so every "first import" creates products. */
  tag?: string;
  /** Share of goods whose price differs from the base list (0.1 = every tenth good). */
  changedPrices?: number;
}

const COLORS = ['черный', 'белый', 'красный', 'синий', 'золотистый', 'серебристый'];

export function generatePriceList(n: number, opts: GenerateOptions = {}): string {
  const { shop = 'Bench shop', tag = 'base', changedPrices = 0 } = opts;
  const out: string[] = [`shop: ${shop}`, 'categories:'];
  for (let c = 1; c <= 20; c++) out.push(`  - id: ${1000 + c}`, `    name: Категория ${c}`);
  out.push('', 'goods:');
  const every = changedPrices > 0 ? Math.round(1 / changedPrices) : 0;
  for (let i = 0; i < n; i++) {
    const price = 1000 + ((i * 37) % 90_000) + (every && i % every === 0 ? 1 : 0);
    out.push(
      `  - id: ${4_000_000_000 + i}`,
      `    category: ${1001 + (i % 20)}`,
      `    model: bench/${tag}/model-${i % 5000}`,
      `    name: Смартфон Bench ${tag} ${i} (${COLORS[i % COLORS.length]})`,
      `    price: ${price}`,
      `    price_rrc: ${price + 500}`,
      `    quantity: ${i % 50}`,
      '    parameters:',
      `      "Цвет": ${COLORS[i % COLORS.length]}`,
      `      "Диагональ (дюйм)": ${(5 + (i % 30) / 10).toFixed(1)}`,
      `      "Разрешение (пикс)": ${1000 + (i % 1000)}x${700 + (i % 500)}`,
      `      "Smart TV": ${i % 2 === 0}`,
    );
  }
  return out.join('\n') + '\n';
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const n = Number(process.argv[2] ?? 1000);
  process.stdout.write(generatePriceList(n));
}
