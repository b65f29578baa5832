// Orders, the cart among them (the user's order in state `basket`), their lines, history and
// idempotency keys. What other modules and the app may use.
export { cartRoutes } from './cart.routes.js';
export { createCartService, type CartService } from './cart.service.js';
export { ordersRoutes } from './orders.routes.js';
export { createOrdersService, type OrdersService } from './orders.service.js';
export {
  adminOrderBody,
  orderIdParams,
  orderSchema,
  partnerOrderSchema,
  placedState,
  type PlacedState,
} from './orders.schemas.js';
