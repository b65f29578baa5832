// Orders, the cart among them (the user's order in state `basket`), their lines, history,
// idempotency keys and per-state counters. What other modules and the app may use.
export { cartRoutes } from './cart.routes.js';
export { createCartService, type CartService } from './cart.service.js';
export { ordersRoutes } from './orders.routes.js';
export { createOrdersService, type OrdersService } from './orders.service.js';
export { STAFF_COUNT_CAP, TRANSITIONS } from './orders.staff.js';
export { STATE_WORDS, addressLine } from './orders.templates.js';
export {
  adminOrderBody,
  orderIdParams,
  orderSchema,
  partnerOrderSchema,
  placedState,
  staffOrderListSchema,
  staffOrderQuery,
  staffOrderSchema,
  type OrderDto,
  type PlacedState,
  type StaffOrderDto,
  type StaffOrderQuery,
  type StaffOrderSummaryDto,
} from './orders.schemas.js';
export { PLACED_STATES } from './orders.tables.js';
