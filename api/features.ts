import type { Express } from 'express';
import type { AppContext } from './context.js';
import { createGateRouter } from './gate-router.js';
import { metricsFeature, queuesFeature } from './observability.js';
import { reportsFeature } from './reports.js';
import { partnerFeature } from './partner.js';
import { presaleFeature } from './presale.js';
import { web } from './web.js';
import { alertRelayFeature } from './alert-relay.js';
import { moneyFeature } from './money.js';
import { accountsFeature } from './accounts-admin.js';
import { customerServiceFeature } from './customer-service.js';
import { staffAuthRouter } from './staff-auth.js';
import { screenFeature } from './screen.js';
import { deviceFeature } from './device-router.js';
import { jointFeature } from './joint.js';
import { combosFeature } from './combos.js';
import { passesFeature } from './passes.js';
import { pricingFeature } from './pricing.js';
import { membersFeature } from './members.js';
import { spendFeature } from './spend.js';
import { campaignsFeature } from './campaigns.js';

/**
 * Optional API areas, each in its own module, mounted by createApp in two phases:
 *  - `early`: before the app-wide JSON parser and visitor/staff authentication (for
 *    routes with their own body handling or credentials: gates, signed partners,
 *    payment callbacks, metrics);
 *  - `routes`: after them, before the 404 handler.
 * To add one, write `api/<name>.ts` exporting a `Feature` and list it below.
 */
export interface Feature {
  name: string;
  early?(app: Express, ctx: AppContext): void;
  routes?(app: Express, ctx: AppContext): void;
}

const gate: Feature = {
  name: 'gate',
  early: (app, ctx) => app.use('/gate/v1', createGateRouter(ctx.platform)),
};

const staffAuth: Feature = {
  name: 'staff-auth',
  routes: (app, ctx) => app.use('/v1/staff', staffAuthRouter(ctx)),
};

export const features: Feature[] = [
  metricsFeature,
  presaleFeature(),
  gate,
  partnerFeature,
  web,
  queuesFeature,
  reportsFeature,
  alertRelayFeature,
  moneyFeature,
  staffAuth,
  accountsFeature,
  customerServiceFeature,
  screenFeature,
  deviceFeature,
  jointFeature,
  combosFeature,
  passesFeature,
  pricingFeature,
  membersFeature,
  spendFeature,
  campaignsFeature,
];
