import { Router } from 'express';
import { z } from 'zod';
import { parseInput } from '../core/validation.js';
import {
  AccountPatch,
  NewAccountInput,
  createAccount,
  listAccounts,
  loadAccount,
  accountView,
  resetEnrolment,
  setAccountStatus,
  updateAccount,
} from '../core/auth/accounts.js';
import { listSessions, revokeSessions } from '../core/auth/staff-sessions.js';
import {
  NewDeviceKeyInput,
  RotateInput,
  createDeviceKey,
  listDeviceKeys,
  revokeDeviceKey,
  rotateDeviceKey,
} from '../core/auth/device-keys.js';
import {
  GateAgentInput,
  listGateAgents,
  registerGateAgent,
  revokeGateAgent,
} from '../core/auth/gate-agents.js';
import { audit } from '../core/audit/store.js';
import {
  CounterInput,
  listCounters,
  registerZoneCounter,
  retireZoneCounter,
} from '../core/zones/registry.js';
import {
  actorOf,
  allow,
  areaInBody,
  areaInQuery,
  areaParam,
  ofAccount,
  ofDeviceKey,
  type AppContext,
} from './context.js';
import type { Feature } from './features.js';

const slug = z.string().regex(/^[a-z0-9][a-z0-9:_-]{0,62}$/);
const AreaQuery = z.object({ areaId: slug.optional() });

/**
 * The back office's people and devices (`/v1/admin/...`), for the console: accounts
 * (list, create with a one-time enrolment link, change role/areas/channel, disable,
 * reset, their sessions), device keys (list, issue — shown once —, revoke, rotate with
 * an overlap), gate agents and people-counting sensors. An area manager sees and manages only what lies within
 * its areas, and gives only the roles it may (core/auth/scope.ts `grantRefusal`).
 */
export function accountsRouter(ctx: AppContext): Router {
  const r = Router();
  const p = ctx.platform;
  const d = ctx.auth;

  r.get('/accounts', allow(ctx, 'accounts.read', areaInQuery()), async (req, res) => {
    const { areaId } = parseInput(AreaQuery, req.query);
    res.json({ items: await listAccounts(p.db, actorOf(res), areaId) });
  });

  r.post('/accounts', allow(ctx, 'accounts.manage', areaInBody('areas')), async (req, res) => {
    const input = parseInput(NewAccountInput, req.body);
    res.setHeader('cache-control', 'no-store');
    res.status(201).json(await createAccount(d, actorOf(res), input));
  });

  r.get('/accounts/:id', allow(ctx, 'accounts.read', ofAccount()), async (req, res) => {
    res.json(accountView(await loadAccount(p.db, String(req.params.id))));
  });

  r.patch('/accounts/:id', allow(ctx, 'accounts.manage', ofAccount()), async (req, res) => {
    const patch = parseInput(AccountPatch, req.body);
    res.json(await updateAccount(d, actorOf(res), String(req.params.id), patch));
  });

  r.post('/accounts/:id/status', allow(ctx, 'accounts.manage', ofAccount()), async (req, res) => {
    const { status } = parseInput(z.object({ status: z.enum(['active', 'disabled']) }), req.body);
    res.json(await setAccountStatus(d, actorOf(res), String(req.params.id), status));
  });

  r.post('/accounts/:id/enrolment', allow(ctx, 'accounts.manage', ofAccount()), async (req, res) => {
    const { secondFactor } = parseInput(
      z.object({ secondFactor: z.boolean().default(false) }),
      req.body ?? {},
    );
    res.setHeader('cache-control', 'no-store');
    res.status(201).json(await resetEnrolment(d, actorOf(res), String(req.params.id), { secondFactor }));
  });

  r.get('/accounts/:id/sessions', allow(ctx, 'accounts.read', ofAccount()), async (req, res) => {
    res.json({ items: await listSessions(p.db, String(req.params.id), p.clock.now(), d.policy) });
  });

  r.delete('/accounts/:id/sessions', allow(ctx, 'accounts.manage', ofAccount()), async (req, res) => {
    const id = String(req.params.id);
    const revoked = await revokeSessions(p.db, id, p.clock.now(), 'revoked');
    await audit(p.db, actorOf(res), 'scenic.session.revoked_all', `account:${id}`, { revoked });
    res.json({ revoked });
  });

  r.get('/device-keys', allow(ctx, 'devices.manage', areaInQuery()), async (req, res) => {
    const { areaId } = parseInput(AreaQuery, req.query);
    res.json({ items: await listDeviceKeys(p.db, actorOf(res), p.clock.now(), areaId) });
  });

  r.post('/device-keys', allow(ctx, 'devices.manage', areaInBody('areas')), async (req, res) => {
    const input = parseInput(NewDeviceKeyInput, req.body);
    res.setHeader('cache-control', 'no-store');
    res.status(201).json(await createDeviceKey(d, actorOf(res), input));
  });

  r.delete('/device-keys/:id', allow(ctx, 'devices.manage', ofDeviceKey()), async (req, res) => {
    const id = String(req.params.id);
    const out = await revokeDeviceKey(d, actorOf(res), id);
    ctx.apiKeys.forget(id);
    res.json(out);
  });

  r.post('/device-keys/:id/rotate', allow(ctx, 'devices.manage', ofDeviceKey()), async (req, res) => {
    const { overlapSeconds } = parseInput(RotateInput, req.body ?? {});
    const id = String(req.params.id);
    const out = await rotateDeviceKey(d, actorOf(res), id, overlapSeconds);
    ctx.apiKeys.forget(id);
    res.setHeader('cache-control', 'no-store');
    res.status(201).json(out);
  });

  r.get('/areas/:areaId/gate-agents', allow(ctx, 'devices.manage', areaParam()), async (req, res) => {
    const { areaId } = parseInput(z.object({ areaId: slug }), req.params);
    res.json({ items: await listGateAgents(p.db, areaId) });
  });

  r.post('/areas/:areaId/gate-agents', allow(ctx, 'devices.manage', areaParam()), async (req, res) => {
    const { areaId } = parseInput(z.object({ areaId: slug }), req.params);
    const input = parseInput(GateAgentInput, req.body);
    res.setHeader('cache-control', 'no-store');
    res.status(201).json(await registerGateAgent(p.db, p.clock, actorOf(res), areaId, input));
  });

  r.delete(
    '/areas/:areaId/gate-agents/:gateId',
    allow(ctx, 'devices.manage', areaParam()),
    async (req, res) => {
      const { areaId, gateId } = parseInput(z.object({ areaId: slug, gateId: slug }), req.params);
      await revokeGateAgent(p.db, p.clock, actorOf(res), areaId, gateId);
      res.status(204).end();
    },
  );

  // People-counting sensors of the area's zones (issue 21): the secret is shown once.
  r.get('/areas/:areaId/counters', allow(ctx, 'devices.manage', areaParam()), async (req, res) => {
    const { areaId } = parseInput(z.object({ areaId: slug }), req.params);
    res.json({ items: await listCounters(p.db, areaId) });
  });

  r.post('/areas/:areaId/counters', allow(ctx, 'devices.manage', areaParam()), async (req, res) => {
    const { areaId } = parseInput(z.object({ areaId: slug }), req.params);
    const input = parseInput(CounterInput, req.body);
    res.setHeader('cache-control', 'no-store');
    res.status(201).json(await registerZoneCounter(p.db, p.vault, p.clock, actorOf(res), areaId, input));
  });

  r.delete(
    '/areas/:areaId/counters/:counterId',
    allow(ctx, 'devices.manage', areaParam()),
    async (req, res) => {
      const { areaId, counterId } = parseInput(z.object({ areaId: slug, counterId: slug }), req.params);
      res.json(await retireZoneCounter(p.db, p.clock, actorOf(res), areaId, counterId));
    },
  );

  return r;
}

export const accountsFeature: Feature = {
  name: 'accounts',
  routes: (app, ctx) => app.use('/v1/admin', accountsRouter(ctx)),
};
