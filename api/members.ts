import { Router } from 'express';
import { z } from 'zod';
import { parseInput } from '../core/validation.js';
import { notFound } from '../core/errors.js';
import { audit } from '../core/audit/store.js';
import { accountOf, setMarketingConsent, updateProfile, viewAccount } from '../core/members/accounts.js';
import { exportMemberData, eraseMember } from '../core/members/privacy.js';
import { setSellsToMembers } from '../core/members/pricing.js';
import { loadSettings, MemberSettingsInput, saveSettings } from '../core/members/settings.js';
import { ConsentInput, PartnerMembersInput, ProfileInput } from '../core/members/inputs.js';
import { SegmentInput, segmentSize } from '../core/members/segments.js';
import { PLATFORM, actorOf, allow, areaParam, type AppContext } from './context.js';
import type { Feature } from './features.js';

const slug = z.string().regex(/^[a-z0-9][a-z0-9:_-]{0,62}$/);

/**
 * Members (issue 22):
 *   GET  /v1/me/member                  the signed-in visitor's account: member?, level, points, consent, coupons
 *   PUT  /v1/me/member/profile          name, ID document
 *   PUT  /v1/me/member/consent          marketing consent (opt-in, withdrawable)
 *   GET  /v1/me/member/export           everything kept about them, as JSON (PIPL)
 *   POST /v1/me/member/deletion         erase the person, keep the books masked (PIPL)
 *   GET|PUT /v1/admin/areas/:areaId/member-settings   points, levels and rules of an area
 *   PUT  /v1/admin/partners/:id/members whether a partner sells to members
 *   POST /v1/admin/areas/:areaId/segments/size   members in a segment (never fewer than the minimum group)
 */
export function membersRouter(ctx: AppContext): Router {
  const r = Router();
  const p = ctx.platform;
  const now = () => p.clock.now();

  r.get('/me/member', async (_req, res) => {
    res.json(await viewAccount(p.db, p.vault, await accountOf(p.db, actorOf(res))));
  });
  r.put('/me/member/profile', async (req, res) => {
    const input = parseInput(ProfileInput, req.body);
    const a = await accountOf(p.db, actorOf(res));
    await updateProfile(p.db, p.vault, actorOf(res), a, input, now());
    res.json(await viewAccount(p.db, p.vault, await accountOf(p.db, actorOf(res))));
  });
  r.put('/me/member/consent', async (req, res) => {
    const { marketing } = parseInput(ConsentInput, req.body);
    const a = await accountOf(p.db, actorOf(res));
    await setMarketingConsent(p.db, actorOf(res), a, marketing, now());
    res.json(await viewAccount(p.db, p.vault, await accountOf(p.db, actorOf(res))));
  });
  r.get('/me/member/export', async (_req, res) => {
    const a = await accountOf(p.db, actorOf(res));
    const out = await exportMemberData(p.db, p.vault, actorOf(res), a, now());
    res.setHeader('cache-control', 'no-store');
    res.setHeader('content-disposition', `attachment; filename="scenic-member-${a.member_no}.json"`);
    res.json(out);
  });
  r.post('/me/member/deletion', async (_req, res) => {
    const a = await accountOf(p.db, actorOf(res));
    res.json(await eraseMember(p.db, p.vault, actorOf(res), a, now()));
  });

  r.get(
    '/admin/areas/:areaId/member-settings',
    allow(ctx, 'areas.configure', areaParam()),
    async (req, res) => {
      const { areaId } = parseInput(z.object({ areaId: slug }), req.params);
      await p.catalog.area(areaId);
      res.json(await loadSettings(p.db, areaId));
    },
  );
  r.put(
    '/admin/areas/:areaId/member-settings',
    allow(ctx, 'areas.configure', areaParam()),
    async (req, res) => {
      const { areaId } = parseInput(z.object({ areaId: slug }), req.params);
      const settings = parseInput(MemberSettingsInput, req.body);
      await p.catalog.area(areaId);
      await saveSettings(p.db, areaId, settings, now());
      await audit(
        p.db,
        actorOf(res),
        'scenic.member.settings_changed',
        areaId,
        {},
        { areaId, after: settings },
      );
      res.json(settings);
    },
  );
  r.post(
    '/admin/areas/:areaId/segments/size',
    allow(ctx, 'areas.configure', areaParam()),
    async (req, res) => {
      const { areaId } = parseInput(z.object({ areaId: slug }), req.params);
      const segment = parseInput(SegmentInput, req.body ?? {});
      res.json({ areaId, size: await segmentSize(p.db, areaId, segment, now()) });
    },
  );
  r.put('/admin/partners/:id/members', allow(ctx, 'partners.manage', PLATFORM), async (req, res) => {
    const { id } = parseInput(z.object({ id: slug }), req.params);
    const { sellsToMembers } = parseInput(PartnerMembersInput, req.body);
    if (!(await setSellsToMembers(p.db, id, sellsToMembers)))
      throw notFound('partner_not_found', `no partner ${id}`);
    await audit(p.db, actorOf(res), 'scenic.partner.sells_to_members', id, { sellsToMembers });
    res.json({ partnerId: id, sellsToMembers });
  });
  return r;
}

export const membersFeature: Feature = {
  name: 'members',
  routes: (app, ctx) => app.use('/v1', membersRouter(ctx)),
};
