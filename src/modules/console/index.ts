// The staff console at /admin/: HTML pages for the people who run the shop's day. It owns no
// table: sessions belong to accounts, orders to orders, shops to catalog.
export { consoleRoutes } from './console.plugin.js';
export type { ConsoleDeps } from './console.deps.js';
