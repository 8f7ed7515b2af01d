import { z } from 'zod';

/**
 * Building blocks of the OpenAPI documents (api/openapi.ts and the per-audience path
 * files): JSON Schema from the zod schemas that validate requests (and, for answers,
 * from api/openapi-views.ts), references to the shared components, parameters.
 */
export const schema = (s: z.ZodType, io: 'input' | 'output' = 'input') =>
  z.toJSONSchema(s, { target: 'draft-2020-12', io, unrepresentable: 'any' });

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const json = (s: unknown) => ({ content: { 'application/json': { schema: s } } });
export const body = (s: unknown, required = true) => ({ required, ...json(s) });
/** A response: a description, and the schema of its JSON body when it has one. */
export const answer = (description: string, s?: unknown) => ({ description, ...(s ? json(s) : {}) });
export const noContent = (description: string) => ({ description });
export const csv = (description: string) => ({
  description,
  content: { 'application/json': { schema: { type: 'object' } }, 'text/csv': { schema: { type: 'string' } } },
});

const problem = { $ref: '#/components/responses/Problem' };
/** The problem+json answers every operation of the public and admin API can give. */
export const errors = {
  '400': problem,
  '401': problem,
  '403': problem,
  '404': problem,
  '409': problem,
  '422': problem,
  '429': problem,
} as const;
/** OCTO answers errors in its own shape (`error`, `errorMessage`) plus the problem fields. */
export const octoErrors = {
  '400': { $ref: '#/components/responses/OctoError' },
  '401': { $ref: '#/components/responses/OctoError' },
  '404': { $ref: '#/components/responses/OctoError' },
  '409': { $ref: '#/components/responses/OctoError' },
} as const;

export const idem = { $ref: '#/components/parameters/IdempotencyKey' };

type JsonSchema = Record<string, unknown>;
export const inPath = (name: string, s: JsonSchema = { type: 'string' }, description?: string) => ({
  name,
  in: 'path',
  required: true,
  schema: s,
  ...(description ? { description } : {}),
});
export const inQuery = (name: string, s: JsonSchema, description?: string, required = false) => ({
  name,
  in: 'query',
  required,
  schema: s,
  ...(description ? { description } : {}),
});
export const inHeader = (name: string, s: JsonSchema, description: string, required = true) => ({
  name,
  in: 'header',
  required,
  schema: s,
  description,
});

export const slugId = { type: 'string', pattern: '^[a-z0-9][a-z0-9:_-]{0,62}$' };
export const uuid = { type: 'string', format: 'uuid' };
export const isoDate = { type: 'string', format: 'date' };
export const areaId = inPath('areaId', slugId, 'the scenic area');
export const dateQuery = inQuery('date', isoDate, 'visit date (the area’s local calendar)', true);

export const staff = [{ bearer: [] }];
export const open = [{}];

/** Who may call an operation: staff's or a visitor's bearer token, or anyone (`open`). */
type Security = readonly Record<string, readonly string[]>[];

/** What differs from one operation to the next; `operation` adds the rest. */
export interface OperationSpec {
  summary: string;
  description?: string;
  /** when absent the document's default applies (anyone, a bearer token or an order token) */
  security?: Security;
  parameters?: readonly unknown[];
  /** the JSON Schema of a required request body */
  input?: unknown;
  /** the answers it gives when it succeeds; the problem+json ones (`errors`) are added */
  responses: Record<string, unknown>;
}

/**
 * One operation of a path, its keys in the order every path file wrote them by hand
 * (operationId, summary, description, security, parameters, requestBody, responses), so
 * the document does not change when a file moves to it.
 */
export const operation = (operationId: string, o: OperationSpec) => ({
  operationId,
  summary: o.summary,
  ...(o.description !== undefined ? { description: o.description } : {}),
  ...(o.security ? { security: o.security } : {}),
  ...(o.parameters ? { parameters: o.parameters } : {}),
  ...(o.input !== undefined ? { requestBody: body(o.input) } : {}),
  responses: { ...o.responses, ...errors },
});

/** An operation of the admin API: staff's bearer token only. */
export const adminOp = (operationId: string, o: Omit<OperationSpec, 'security'>) =>
  operation(operationId, { ...o, security: staff });

/** An operation anyone may call (a visitor without an account, a kiosk). */
export const openOp = (operationId: string, o: Omit<OperationSpec, 'security'>) =>
  operation(operationId, { ...o, security: open });

/**
 * An operation on the signed-in visitor's own account: their bearer token from the phone
 * sign-in (the same scheme as staff's; the token says whose it is).
 */
export const visitorOp = (operationId: string, o: Omit<OperationSpec, 'security'>) =>
  operation(operationId, { ...o, security: [{ bearer: [] }] });
