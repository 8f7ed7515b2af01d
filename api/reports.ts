import { Router } from 'express';
import { z } from 'zod';
import { parseInput } from '../core/validation.js';
import { computeDailyReport, loadReport, reportToCsv, storeReport } from '../core/reports/daily.js';
import { localParts } from '../core/time.js';
import { allow, areaParam, type AppContext } from './context.js';
import type { Feature } from './features.js';

/**
 * Daily reports of an area (`reports.read`: finance, area managers, platform admins):
 *   GET /v1/admin/reports/:areaId/:date.json   the report as JSON
 *   GET /v1/admin/reports/:areaId/:date.csv    the same figures as CSV (long form)
 * A past day is served as the worker stored it (`?refresh=true` recomputes and stores
 * it again); today is computed live and not stored, since it is not over.
 */
const Params = z.object({
  areaId: z.string().regex(/^[a-z0-9][a-z0-9:_-]{0,62}$/),
  date: z.iso.date(),
  format: z.enum(['json', 'csv']),
});

export function reportsRouter(ctx: AppContext): Router {
  const r = Router();
  const p = ctx.platform;
  r.get('/:areaId/:file', allow(ctx, 'reports.read', areaParam()), async (req, res) => {
    const m = /^(.+)\.(json|csv)$/.exec(String(req.params.file));
    const q = parseInput(Params, { areaId: req.params.areaId, date: m?.[1], format: m?.[2] });
    const refresh = req.query.refresh === 'true';
    const area = await p.catalog.area(q.areaId);
    const past = q.date < localParts(p.clock.now(), area.timezone).date;
    let report = past && !refresh ? await loadReport(p.db, q.areaId, q.date) : undefined;
    if (!report) {
      report = await computeDailyReport(p.db, p.vault, q.areaId, q.date, p.clock.now());
      if (past) await storeReport(p.db, report);
    }
    const name = `scenic-${q.areaId}-${q.date}.${q.format}`;
    res.setHeader('content-disposition', `attachment; filename="${name}"`);
    res.setHeader('cache-control', 'no-store');
    if (q.format === 'csv') res.type('text/csv; charset=utf-8').send(reportToCsv(report));
    else res.json(report);
  });
  return r;
}

export const reportsFeature: Feature = {
  name: 'reports',
  routes: (app, ctx) => app.use('/v1/admin/reports', reportsRouter(ctx)),
};
