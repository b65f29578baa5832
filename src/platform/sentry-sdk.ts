// The Sentry SDK, once src/instrument.ts has started it. Without SENTRY_DSN nothing loads
// `@sentry/node` at all (about 0.8 s of every start here), so the code that reports asks for it
// here and does nothing when there is none. No imports: instrument.ts may load this before
// anything that Sentry must wrap.
import type * as Sdk from '@sentry/node';

export type SentrySdk = typeof Sdk;

let started: SentrySdk | undefined;

/** Sentry when it runs in this process (SENTRY_DSN set and initialised), else undefined. */
export const sentry = (): SentrySdk | undefined => (started?.isEnabled() ? started : undefined);

export function useSentry(sdk: SentrySdk) {
  started = sdk;
}
