// Staff operations over HTTP. It owns no table: it calls the modules that do.
export { adminRoutes } from './admin.routes.js';
