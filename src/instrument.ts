// Loaded before the app with `node --import ./dist/instrument.js dist/server.js` (so do `npm start`,
// `npm run worker` and the image; tests run it from src/ through tsx): Sentry has to be set up
// before pg, ioredis and http load, to put its diagnostics channels into them. Without SENTRY_DSN
// it does nothing. Only Sentry's settings are read here; every other one is checked by the start
// that follows.
import { ConfigError, loadSentryConfig } from './platform/config.js';

try {
  const config = loadSentryConfig();
  // Without a DSN the SDK is not even loaded (sentry-sdk.ts).
  if (config.dsn) (await import('./platform/sentry.js')).initSentry(config);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(err.message);
  process.exit(1);
}
