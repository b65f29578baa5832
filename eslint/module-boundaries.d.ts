// Types for the test that runs the rule (test/architecture.test.ts).
import type { ESLint } from 'eslint';

declare const plugin: ESLint.Plugin;
export default plugin;
