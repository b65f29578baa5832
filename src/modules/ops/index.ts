// Probes (health, readiness) and the problem-type documentation.
export { opsRoutes } from './ops.routes.js';
