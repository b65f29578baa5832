// Loaded before the app with `node --import tsx --import ./src/instrument.ts src/server.ts` (so
// do `npm start`, `npm run worker` and the image): Sentry has to be set up before pg, ioredis and
// http load, to put its diagnostics channels into them. Without SENTRY_DSN it does nothing. Only
// Sentry's settings are read here; every other one is checked by the start that follows.
import { ConfigError, loadSentryConfig } from './platform/config.js';
import { initSentry } from './platform/sentry.js';

try {
  initSentry(loadSentryConfig());
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(err.message);
  process.exit(1);
}
