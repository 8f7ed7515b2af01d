import { parseArgs } from 'node:util';
import { z } from 'zod';
import { systemClock } from '../core/clock.js';
import { loadDbConfig } from '../core/config.js';
import { createDb } from '../core/db/knex.js';
import { parseInput } from '../core/validation.js';
import { isDomainError } from '../core/errors.js';
import { bootstrapAdmin, resetAdmin } from '../core/auth/bootstrap.js';

const USAGE =
  'usage: scenic admin create --username NAME --name "Display Name" [--email ADDRESS] [--hours 24]\n' +
  '       scenic admin reset --username NAME [--second-factor] [--hours 24]';

/**
 * `scenic admin create|reset`: the first platform admin of a fresh install, or a way back
 * in for one (core/auth/bootstrap.ts). Prints a one-time enrolment token on stdout (the
 * only secret, shown once; no password is ever set or printed here). Needs DATABASE_URL
 * (and DATABASE_SCHEMA), nothing else.
 */
export async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      username: { type: 'string' },
      name: { type: 'string' },
      email: { type: 'string' },
      hours: { type: 'string', default: '24' },
      'second-factor': { type: 'boolean', default: false },
    },
  });
  if ((verb !== 'create' && verb !== 'reset') || !values.username || (verb === 'create' && !values.name)) {
    console.error(USAGE);
    return 2;
  }
  const { hours } = parseInput(z.object({ hours: z.coerce.number().int().min(1).max(72) }), values);
  const cfg = loadDbConfig();
  const db = createDb({ url: cfg.DATABASE_URL, schema: cfg.DATABASE_SCHEMA, poolMax: 1 });
  const d = { db, clock: systemClock, enrolmentMs: hours * 3_600_000 };
  try {
    const out =
      verb === 'create'
        ? await bootstrapAdmin(d, {
            username: values.username,
            displayName: values.name!,
            email: values.email,
          })
        : await resetAdmin(d, values.username, values['second-factor']);
    console.error(
      `admin ${out.account.username}: set the password with this one-time token before ${out.enrolment.expiresAt}` +
        ' (open <api>/admin?enrol=<token> in a browser, or POST /v1/staff/enrol {token, password});' +
        ' the console then sets up the second factor at the first sign-in',
    );
    process.stdout.write(`${out.enrolment.token}\n`);
    return 0;
  } catch (err) {
    // admin_exists, account_not_found…: a sentence, not a stack trace
    if (!isDomainError(err)) throw err;
    console.error(`scenic admin: ${err.message} (${err.code})`);
    return 1;
  } finally {
    await db.destroy();
  }
}
