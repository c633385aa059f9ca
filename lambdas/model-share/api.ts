/**
 * The model-share playground API: the seven routes of the HTTP API, proxied here
 * (payload format 2.0) and dispatched by route key.
 *
 *   POST  /tables                               create a table           201 | 400 | 409
 *   GET   /tables?limit&nextToken&archived      list tables, by id       200 | 400
 *   GET   /tables/{tableId}                     one table                200 | 400 | 404
 *   PATCH /tables/{tableId}                     rename, (un)archive      200 | 400 | 404 | 409
 *   GET   /tables/{tableId}/users?limit&nextToken  its users, by name    200 | 400 | 404
 *   GET   /tables/{tableId}/users/{username}    one user                 200 | 400 | 404
 *   PUT   /tables/{tableId}/users/{username}    set a user's scores      200/201 | 400 | 404 | 409
 *
 * Every input is validated before anything is read or written; a 400 names the field. With
 * safe concurrency on (MODEL_SHARE_SAFE_CONCURRENCY=true) every update is conditional on the
 * version it is based on: the client's `expectedVersion`, or else the version this request
 * read. A write that lost the race answers 409 with the current version and changes nothing,
 * so no update is ever silently lost. With it off, updates are plain writes (the last writer
 * wins) and `expectedVersion` is refused, so no client believes it is protected when it is not.
 * Archived tables are read-only: a user write answers 409.
 */
import { requireEnv } from "../shared/env";
import { HttpError, type HttpEvent, type HttpResult, header, json, rawBody } from "../shared/http";
import { errorFields, log } from "../shared/log";
import {
  CORS,
  ENV,
  ERROR_CODES,
  ROUTES,
  type RouteName,
  routeKeyOf,
  TABLE_KEYS,
  TABLE_META_KEY,
  type TableView,
  type UserView,
} from "./contract";
import { type Kit, type KitSource, loadKit } from "./kit-loader";
import { type PageKey, Store, type TableItem, type UserItem, type WriteRefusal } from "./store";

const loaded = loadKit();
const kit: Kit = loaded.kit;
/** Which kit this container runs (the layer's or the bundled one). */
export const kitSource: KitSource = loaded.source;
log("info", "kit loaded", { kitSource });

const ROUTE_BY_KEY = new Map<string, RouteName>(
  (Object.keys(ROUTES) as RouteName[]).map((name) => [routeKeyOf(ROUTES[name]), name]),
);

const notFound = (message: string) => new HttpError(404, ERROR_CODES.notFound, message);
const conflict = (message: string, extra: Record<string, unknown> = {}) =>
  new HttpError(409, ERROR_CODES.conflict, message, extra);

interface Settings {
  readonly store: Store;
  readonly safeConcurrency: boolean;
  readonly allowOrigins: readonly string[];
}

/** The function's settings, read per request (they are environment variables the stack sets). */
function settings(): Settings {
  const safe = requireEnv(ENV.safeConcurrency);
  if (safe !== "true" && safe !== "false") throw new Error(`${ENV.safeConcurrency} must be true or false`);
  const origins = process.env[ENV.corsAllowOrigins] ?? "";
  return {
    store: new Store(requireEnv(ENV.table)),
    safeConcurrency: safe === "true",
    allowOrigins: origins
      .split(",")
      .map((o) => o.trim())
      .filter(Boolean),
  };
}

/** CORS headers for a request from `origin`, when that origin may call. */
function corsHeaders(origin: string | undefined, allowOrigins: readonly string[]): Record<string, string> {
  if (!origin) return {};
  const any = allowOrigins.includes("*");
  if (!any && !allowOrigins.includes(origin)) return {};
  return {
    "access-control-allow-origin": any ? "*" : origin,
    "access-control-expose-headers": CORS.exposeHeaders.join(","),
    ...(any ? {} : { vary: "origin" }),
  };
}

export const handler = async (event: HttpEvent): Promise<HttpResult> => {
  const started = Date.now();
  const method = event.requestContext?.http?.method?.toUpperCase() ?? "";
  const requestId = event.requestContext?.requestId;
  let cors: Record<string, string> = {};
  let result: HttpResult;
  try {
    const s = settings();
    cors = corsHeaders(header(event, "origin"), s.allowOrigins);
    if (method === "OPTIONS") {
      // API Gateway answers preflights itself; this serves direct callers the same answer.
      result = {
        statusCode: 204,
        headers: {
          ...cors,
          ...(cors["access-control-allow-origin"]
            ? {
                "access-control-allow-methods": CORS.allowMethods.join(","),
                "access-control-allow-headers": CORS.allowHeaders.join(","),
                "access-control-max-age": String(CORS.maxAgeSeconds),
              }
            : {}),
        },
      };
    } else {
      result = await route(event, s);
    }
  } catch (err) {
    if (err instanceof HttpError) {
      result = json(err.status, { error: err.code, message: err.message, ...err.extra });
    } else if (kit.isInputError(err)) {
      result = json(err.status, {
        error: err.status === 413 ? ERROR_CODES.tooLarge : ERROR_CODES.badRequest,
        message: err.message,
        field: err.field,
      });
    } else {
      log("error", "request failed", { routeKey: event.routeKey, requestId, ...errorFields(err) });
      result = json(500, { error: ERROR_CODES.internal, message: "internal error", requestId });
    }
  }
  result = {
    ...result,
    headers: { ...result.headers, "x-content-type-options": "nosniff", ...cors },
  };
  log("info", "request", {
    routeKey: event.routeKey,
    status: result.statusCode,
    ms: Date.now() - started,
    requestId,
    kitSource,
  });
  return result;
};

async function route(event: HttpEvent, s: Settings): Promise<HttpResult> {
  const name = ROUTE_BY_KEY.get(event.routeKey ?? "");
  if (!name) throw notFound(`no route ${event.routeKey ?? ""}`);
  const path = event.pathParameters ?? {};
  const query = kit.queryParameters(
    event.queryStringParameters,
    name === "listTables" ? ["limit", "nextToken", "archived"] : name === "listUsers" ? ["limit", "nextToken"] : [],
  );
  switch (name) {
    case "createTable":
      return createTable(event, s);
    case "listTables":
      return listTables(query, s);
    case "getTable":
      return getTable(kit.tableId(path.tableId), s);
    case "updateTable":
      return updateTable(kit.tableId(path.tableId), event, s);
    case "listUsers":
      return listUsers(kit.tableId(path.tableId), query, s);
    case "getUser":
      return getUser(kit.tableId(path.tableId), kit.username(path.username), s);
    case "putUser":
      return putUser(kit.tableId(path.tableId), kit.username(path.username), event, s);
  }
}

const tableView = (t: TableItem): TableView => ({
  tableId: t.tableId,
  displayName: t.displayName,
  isArchived: t.isArchived,
  userCount: t.userCount,
  createdAt: t.createdAt,
  updatedAt: t.updatedAt,
  version: t.version,
});

const userView = (u: UserItem): UserView => ({
  tableId: u.tableId,
  username: u.username,
  submissionCount: u.submissionCount,
  totalCount: u.totalCount,
  createdAt: u.createdAt,
  lastUpdated: u.lastUpdated,
  version: u.version,
});

const page = (key: PageKey | undefined) => (key ? { nextToken: kit.encodePageToken(key) } : {});
const tableMissing = (tableId: string) => notFound(`table ${tableId} does not exist`);

/** `expectedVersion` from a body, refused when safe concurrency is off. */
function expectedVersion(body: Record<string, unknown>, s: Settings): number | undefined {
  if (body.expectedVersion === undefined) return undefined;
  if (!s.safeConcurrency) {
    throw new kit.InputError(
      "expectedVersion",
      "expectedVersion needs safe concurrency, which is off in this deployment (safe_concurrency = false)",
    );
  }
  return kit.version(body.expectedVersion);
}

async function createTable(event: HttpEvent, s: Settings): Promise<HttpResult> {
  const body = kit.jsonBody(rawBody(event), ["tableId", "displayName"]);
  const tableId = kit.tableId(body.tableId);
  const displayName = body.displayName === undefined ? tableId : kit.displayName(body.displayName);
  const now = new Date().toISOString();
  const table: TableView = {
    tableId,
    displayName,
    isArchived: false,
    userCount: 0,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  if (!(await s.store.createTable(table))) throw conflict(`table ${tableId} already exists`);
  return json(201, table, { location: `/tables/${tableId}` });
}

async function listTables(query: Record<string, string | undefined>, s: Settings): Promise<HttpResult> {
  const limit = kit.pageLimit(query.limit);
  const archived = kit.booleanParameter(query.archived, "archived");
  const start = kit.decodePageToken(
    query.nextToken,
    [TABLE_KEYS.partitionKey, TABLE_KEYS.sortKey],
    (k) => k[TABLE_KEYS.sortKey] === TABLE_META_KEY,
  );
  const { items, last } = await s.store.listTables(limit, start, archived);
  return json(200, { tables: items.map(tableView), count: items.length, ...page(last) });
}

async function getTable(tableId: string, s: Settings): Promise<HttpResult> {
  const table = await s.store.getTable(tableId);
  if (!table) throw tableMissing(tableId);
  return json(200, tableView(table));
}

async function updateTable(tableId: string, event: HttpEvent, s: Settings): Promise<HttpResult> {
  const body = kit.jsonBody(rawBody(event), ["displayName", "isArchived", "expectedVersion"]);
  const changes: { displayName?: string; isArchived?: boolean } = {};
  if (body.displayName !== undefined) changes.displayName = kit.displayName(body.displayName);
  if (body.isArchived !== undefined) changes.isArchived = kit.flag(body.isArchived, "isArchived");
  if (changes.displayName === undefined && changes.isArchived === undefined) {
    throw new kit.InputError("body", "give displayName and/or isArchived to change");
  }
  const expected = expectedVersion(body, s);
  let base: number | undefined;
  if (s.safeConcurrency) {
    const current = await s.store.getTable(tableId);
    if (!current) throw tableMissing(tableId);
    base = expected ?? current.version;
    if (base !== current.version) throw versionConflict(`table ${tableId}`, current.version);
  }
  const updated = await s.store.updateTable(tableId, changes, new Date().toISOString(), base);
  if (updated === "table_missing") throw tableMissing(tableId);
  if (updated === "version_conflict" || updated === "table_archived") {
    throw versionConflict(`table ${tableId}`, (await s.store.getTable(tableId))?.version);
  }
  return json(200, tableView(updated));
}

async function listUsers(tableId: string, query: Record<string, string | undefined>, s: Settings): Promise<HttpResult> {
  const limit = kit.pageLimit(query.limit);
  const start = kit.decodePageToken(
    query.nextToken,
    [TABLE_KEYS.partitionKey, TABLE_KEYS.sortKey],
    (k) => k[TABLE_KEYS.partitionKey] === tableId && k[TABLE_KEYS.sortKey] !== TABLE_META_KEY,
  );
  if (!(await s.store.getTable(tableId))) throw tableMissing(tableId);
  const { items, last } = await s.store.listUsers(tableId, limit, start);
  return json(200, { tableId, users: items.map(userView), count: items.length, ...page(last) });
}

async function getUser(tableId: string, username: string, s: Settings): Promise<HttpResult> {
  const user = await s.store.getUser(tableId, username);
  if (user) return json(200, userView(user));
  if (!(await s.store.getTable(tableId))) throw tableMissing(tableId);
  throw notFound(`user ${username} does not exist in table ${tableId}`);
}

function versionConflict(what: string, currentVersion: number | undefined): HttpError {
  return conflict(
    `${what} was changed by another request (current version ${currentVersion ?? "none"}); read it again and retry`,
    { currentVersion: currentVersion ?? 0 },
  );
}

async function putUser(tableId: string, username: string, event: HttpEvent, s: Settings): Promise<HttpResult> {
  const body = kit.jsonBody(rawBody(event), ["submissionCount", "totalCount", "expectedVersion"]);
  const counts = {
    submissionCount: kit.count(body.submissionCount, "submissionCount"),
    totalCount: kit.count(body.totalCount, "totalCount"),
  };
  const expected = expectedVersion(body, s);
  const table = await s.store.getTable(tableId);
  if (!table) throw tableMissing(tableId);
  if (table.isArchived) throw conflict(`table ${tableId} is archived; unarchive it to accept scores`);
  const now = new Date().toISOString();

  if (!s.safeConcurrency) {
    const user = await s.store.putUserPlain(tableId, username, counts, now);
    return json(user.version === 1 ? 201 : 200, userView(user), created(user));
  }

  const current = await s.store.getUser(tableId, username);
  const base = expected ?? current?.version ?? 0;
  if (base !== (current?.version ?? 0)) throw versionConflict(`user ${username}`, current?.version);
  const next: UserItem = {
    tableId,
    username,
    ...counts,
    createdAt: current?.createdAt ?? now,
    lastUpdated: now,
    version: base + 1,
  };
  const written: UserItem | WriteRefusal = await s.store.putUserConditional(next, base);
  if (written === "table_missing") throw tableMissing(tableId);
  if (written === "table_archived") throw conflict(`table ${tableId} is archived; unarchive it to accept scores`);
  if (written === "version_conflict") {
    throw versionConflict(`user ${username}`, (await s.store.getUser(tableId, username))?.version);
  }
  return json(base === 0 ? 201 : 200, userView(written), created(written));
}

const created = (user: UserItem): Record<string, string> =>
  user.version === 1 ? { location: `/tables/${user.tableId}/users/${user.username}` } : {};
