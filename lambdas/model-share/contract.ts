/**
 * The runtime contract of the model-share playground API: the function's environment,
 * the DynamoDB key schema, the seven routes, the input limits and the shared kit the optional
 * layer carries. Both the stack and the handler import it. It must stay free of imports.
 */

/** Environment variables the API function reads (all of them: the stack gives exactly these). */
export const ENV = {
  /** Name of the DynamoDB table holding playground tables and their users. */
  table: "MODEL_SHARE_TABLE",
  /** "true": every write carries an optimistic version condition (409 on conflict); "false": plain writes. */
  safeConcurrency: "MODEL_SHARE_SAFE_CONCURRENCY",
  /** Comma-separated origins allowed to call from a browser ("*" = any). */
  corsAllowOrigins: "MODEL_SHARE_CORS_ALLOW_ORIGINS",
} as const;

/** The one function behind the seven routes: 256 MB, 10 seconds. */
export const FUNCTION = {
  id: "api",
  entry: "api.ts",
  timeout: 10,
  memorySize: 256,
  env: [ENV.table, ENV.safeConcurrency, ENV.corsAllowOrigins] as string[],
} as const;

/**
 * One DynamoDB item per playground table (sort key TABLE_META_KEY) and one per user of it
 * (sort key = username). Usernames start with a letter or digit, so the metadata key `#table`
 * sorts before every user and can never collide with one.
 */
export const TABLE_KEYS = { partitionKey: "tableId", sortKey: "username" } as const;
export const TABLE_META_KEY = "#table";

/**
 * Index over (username, tableId): listing every playground table is a query for the metadata
 * key; the same index lists the tables one user plays in.
 */
export const BY_USER_INDEX = { name: "byUser", partitionKey: "username", sortKey: "tableId" } as const;

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH";
export interface Route {
  readonly method: HttpMethod;
  readonly path: string;
}

/** The seven routes, all proxied to the one function. */
export const ROUTES = {
  createTable: { method: "POST", path: "/tables" },
  listTables: { method: "GET", path: "/tables" },
  getTable: { method: "GET", path: "/tables/{tableId}" },
  updateTable: { method: "PATCH", path: "/tables/{tableId}" },
  listUsers: { method: "GET", path: "/tables/{tableId}/users" },
  getUser: { method: "GET", path: "/tables/{tableId}/users/{username}" },
  putUser: { method: "PUT", path: "/tables/{tableId}/users/{username}" },
} as const satisfies Record<string, Route>;
export type RouteName = keyof typeof ROUTES;

/** `METHOD /path`: API Gateway's route key (payload 2.0 `routeKey`). */
export const routeKeyOf = (route: Route): string => `${route.method} ${route.path}`;

/** Limits of every input. */
export const LIMITS = {
  /** Request bodies larger than this are refused (413) before parsing. */
  maxBodyBytes: 16 * 1024,
  maxDisplayNameLength: 128,
  /** submissionCount and totalCount are integers from 0 to this. */
  maxCount: 1_000_000_000,
  defaultPageSize: 50,
  maxPageSize: 100,
  maxPageTokenLength: 2048,
} as const;

/** Table ids and usernames: 1-64 characters, starting with a letter or digit. */
export const TABLE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * The shared kit (validation and page tokens): bundled into the function, and packaged as the
 * optional layer's `nodejs/node_modules/<moduleName>/index.js`. The function uses the layer's
 * copy when one is attached and speaks the same `apiVersion`, else its own.
 */
export const KIT = { moduleName: "model-share-kit", entry: "kit/index.ts", apiVersion: 1 } as const;

/** What browsers may send cross-origin (the API's CORS configuration and the handler's headers). */
export const CORS = {
  allowMethods: ["GET", "POST", "PUT", "PATCH", "OPTIONS"],
  allowHeaders: ["content-type", "authorization"],
  exposeHeaders: ["location"],
  maxAgeSeconds: 300,
} as const;

/** A playground table as the API answers it. */
export interface TableView {
  readonly tableId: string;
  readonly displayName: string;
  readonly isArchived: boolean;
  readonly userCount: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

/** A user of a playground table as the API answers it. */
export interface UserView {
  readonly tableId: string;
  readonly username: string;
  readonly submissionCount: number;
  readonly totalCount: number;
  readonly createdAt: string;
  readonly lastUpdated: string;
  readonly version: number;
}

/** Error codes of the `{ error, message, field? }` answers. */
export const ERROR_CODES = {
  badRequest: "bad_request",
  notFound: "not_found",
  conflict: "conflict",
  tooLarge: "payload_too_large",
  internal: "internal_error",
} as const;
