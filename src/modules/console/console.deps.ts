// What the console is built from: the services of the modules that own the data.
import type { Clock } from '../../platform/clock.js';
import type { Config } from '../../platform/config.js';
import type { JobQueue } from '../../platform/queue.js';
import type { RequestLimiter } from '../../platform/throttle.js';
import type { AccountsService } from '../accounts/index.js';
import type { CatalogService } from '../catalog/index.js';
import type { OrdersService } from '../orders/index.js';
import type { PartnerService } from '../partner/index.js';

export interface ConsoleDeps {
  accounts: AccountsService;
  orders: OrdersService;
  catalog: CatalogService;
  partner: PartnerService;
  queue: JobQueue;
  clock: Clock;
  /** Request limits for callers without a session (absent when limits are off). */
  limiter?: RequestLimiter;
  config: Pick<Config, 'DEBUG' | 'DATA_DIR' | 'SECRET_KEY'>;
  priceListMaxBytes: number;
}

/** What each group of routes gets: the deps and whether cookies are Secure (unless DEBUG). */
export interface ConsoleContext extends ConsoleDeps {
  secure: boolean;
}
