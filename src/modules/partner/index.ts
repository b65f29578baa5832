// The supplier side: price lists (read, checked, imported now or as a job, exported), order
// taking and the shop's orders. It owns no table: the catalog and orders modules write.
export { partnerRoutes } from './partner.routes.js';
export { createPartnerService, type PartnerService } from './partner.service.js';
export { importPriceListFile, describeSummary } from './partner.cli.js';
