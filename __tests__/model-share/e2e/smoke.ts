// The playground API as a client tries it over HTTP: create a table, record a user's scores
// and read them back, page through the table's users with nextToken, see the table listed, and
// get a 400 naming the field for a bad body (with nothing written).
import { ERROR_CODES, LIMITS, type TableView, type UserView } from "../../../lambdas/model-share/contract";
import { type HttpReply, httpCall } from "../../support/http-call";
import { check, defineSmoke, type SmokeContext, waitFor } from "../../support/smoke";

export const STACK = "model-share";

/** `<api_url><path>` (api_url ends with a slash; paths here do not start with one). */
export const apiUrl = (ctx: SmokeContext, path = "") => new URL(path, ctx.output(STACK, "api_url")).href;

/** One JSON request to the API, unsigned (its routes are public, authorization NONE). */
export async function api(ctx: SmokeContext, method: string, path: string, body?: unknown): Promise<HttpReply> {
  return httpCall(apiUrl(ctx, path), {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
}

/** Checks the status and returns the JSON body, saying what came back otherwise. */
export function expectStatus(reply: HttpReply, status: number, what: string) {
  check(reply.status === status, `${what} answered ${reply.status}, not ${status}: ${reply.text.slice(0, 300)}`);
  return reply.json();
}

/** Checks a 400 (or 413) names `field`, as the API promises for every bad input. */
export function expectBadField(reply: HttpReply, field: string, what: string, status = 400) {
  const body = expectStatus(reply, status, what);
  const code = status === 413 ? ERROR_CODES.tooLarge : ERROR_CODES.badRequest;
  check(
    body.error === code && body.field === field && typeof body.message === "string" && body.message.length > 0,
    `${what}: expected error ${code} naming field ${field}, got ${reply.text}`,
  );
  return body as { error: string; field: string; message: string };
}

/** Every page of `path` (a listing), following nextToken as a client does; each page's body. */
export async function allPages(ctx: SmokeContext, path: string, maxPages = 1000) {
  // biome-ignore lint/suspicious/noExplicitAny: the API's JSON pages
  const pages: any[] = [];
  let token: string | undefined;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const page = expectStatus(
      await api(ctx, "GET", token ? `${path}${sep}nextToken=${encodeURIComponent(token)}` : path),
      200,
      `GET /${path} (page ${pages.length + 1})`,
    );
    pages.push(page);
    token = page.nextToken;
    check(token === undefined || typeof token === "string", `nextToken is not a string: ${JSON.stringify(page)}`);
    check(pages.length <= maxPages, `GET /${path} still has a nextToken after ${maxPages} pages`);
  } while (token);
  return pages;
}

/** Five users, so that a page of two needs three pages. */
export const USERS = ["ada", "grace", "katherine", "linus", "margaret"] as const;
export const PAGE_SIZE = 2;
export const SCORES = { submissionCount: 3, totalCount: 42 };

interface State {
  tableId: string;
  created?: TableView;
  user?: UserView;
}

export const smoke = defineSmoke<State>({
  system: "model-share",
  // A fresh table per run: the local cloud keeps earlier runs' tables.
  init: () => ({ tableId: `smoke-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}` }),
  steps: [
    {
      name: "POST /tables creates a table (201, location)",
      async run(ctx, state) {
        const reply = await api(ctx, "POST", "tables", { tableId: state.tableId, displayName: "Smoke leaderboard" });
        const table = expectStatus(reply, 201, "POST /tables") as TableView;
        check(
          table.tableId === state.tableId &&
            table.displayName === "Smoke leaderboard" &&
            table.isArchived === false &&
            table.userCount === 0 &&
            table.version === 1 &&
            !Number.isNaN(Date.parse(table.createdAt)),
          `unexpected table: ${reply.text}`,
        );
        check(
          reply.headers.location === `/tables/${state.tableId}`,
          `location header: ${reply.headers.location ?? "(none)"}`,
        );
        const again = await api(ctx, "POST", "tables", { tableId: state.tableId });
        check(
          again.status === 409 && again.json().error === ERROR_CODES.conflict,
          `a second POST /tables of the same id answered ${again.status}: ${again.text}`,
        );
        state.created = table;
        return `${table.tableId} (a second create answers 409)`;
      },
    },
    {
      name: "PUT a user's scores creates the user (201), a second PUT updates them (200)",
      async run(ctx, state) {
        const path = `tables/${state.tableId}/users/${USERS[0]}`;
        const first = expectStatus(
          await api(ctx, "PUT", path, { submissionCount: 1, totalCount: 10 }),
          201,
          `PUT /${path}`,
        );
        check(first.version === 1 && first.submissionCount === 1, `unexpected user: ${JSON.stringify(first)}`);
        const reply = await api(ctx, "PUT", path, { ...SCORES, expectedVersion: 1 });
        const user = expectStatus(reply, 200, `PUT /${path} (update)`) as UserView;
        check(
          user.tableId === state.tableId &&
            user.username === USERS[0] &&
            user.submissionCount === SCORES.submissionCount &&
            user.totalCount === SCORES.totalCount &&
            user.version === 2 &&
            user.createdAt === first.createdAt,
          `unexpected updated user: ${reply.text}`,
        );
        state.user = user;
        return `${USERS[0]}: ${user.submissionCount}/${user.totalCount}, version ${user.version}`;
      },
    },
    {
      name: "GET reads the user's scores back, and the table counts the user",
      async run(ctx, state) {
        check(state.user, "no user was written");
        const path = `tables/${state.tableId}/users/${USERS[0]}`;
        const user = expectStatus(await api(ctx, "GET", path), 200, `GET /${path}`);
        check(
          JSON.stringify(user) === JSON.stringify(state.user),
          `GET /${path} answered ${JSON.stringify(user)}, the PUT answered ${JSON.stringify(state.user)}`,
        );
        const table = expectStatus(await api(ctx, "GET", `tables/${state.tableId}`), 200, "GET /tables/{tableId}");
        check(table.userCount === 1, `the table counts ${table.userCount} users, not 1`);
        return `${user.username}: ${user.submissionCount}/${user.totalCount}; userCount ${table.userCount}`;
      },
    },
    {
      name: `GET /tables/{tableId}/users?limit=${PAGE_SIZE} pages through every user with nextToken`,
      async run(ctx, state) {
        for (const name of USERS.slice(1)) {
          expectStatus(
            await api(ctx, "PUT", `tables/${state.tableId}/users/${name}`, {
              submissionCount: 1,
              totalCount: name.length,
            }),
            201,
            `PUT user ${name}`,
          );
        }
        const pages = await allPages(ctx, `tables/${state.tableId}/users?limit=${PAGE_SIZE}`);
        check(pages.length >= 2, `${USERS.length} users at limit ${PAGE_SIZE} came in ${pages.length} page(s)`);
        for (const page of pages) {
          check(
            page.tableId === state.tableId && page.count === page.users.length && page.users.length <= PAGE_SIZE,
            `a page does not hold at most ${PAGE_SIZE} of this table's users with their count: ${JSON.stringify(page)}`,
          );
        }
        const names = pages.flatMap((p) => p.users.map((u: UserView) => u.username));
        check(
          JSON.stringify(names) === JSON.stringify([...USERS]),
          `the pages listed ${names.join(", ")}, not ${USERS.join(", ")} (each once, by name)`,
        );
        const table = expectStatus(await api(ctx, "GET", `tables/${state.tableId}`), 200, "GET /tables/{tableId}");
        check(table.userCount === USERS.length, `the table counts ${table.userCount} users, not ${USERS.length}`);
        return `${names.length} users in ${pages.length} pages: ${pages.map((p) => p.users.length).join("+")}`;
      },
    },
    {
      name: "GET /tables lists the new table (every page, ids in order)",
      async run(ctx, state) {
        // The listing reads an index (eventually consistent on AWS): a client retries a moment.
        const pages = await waitFor(
          `${state.tableId} to be listed by GET /tables`,
          async () => {
            const all = await allPages(ctx, `tables?limit=${LIMITS.maxPageSize}`);
            return all.some((p) => p.tables.some((t: TableView) => t.tableId === state.tableId)) ? all : undefined;
          },
          30_000,
        );
        const ids: string[] = pages.flatMap((p) => p.tables.map((t: TableView) => t.tableId));
        check(
          ids.every((id, i) => i === 0 || ids[i - 1] < id),
          `GET /tables did not list the tables once each by id: ${ids.join(", ")}`,
        );
        const listed = pages.flatMap((p) => p.tables).find((t: TableView) => t.tableId === state.tableId);
        check(listed.userCount === USERS.length, `GET /tables shows userCount ${listed.userCount}`);
        return `${ids.length} table(s) in ${pages.length} page(s)`;
      },
    },
    {
      name: "a bad body gets 400 naming the field, and nothing is written",
      async run(ctx, state) {
        const path = `tables/${state.tableId}/users/${USERS[0]}`;
        const negative = expectBadField(
          await api(ctx, "PUT", path, { submissionCount: -1, totalCount: 5 }),
          "submissionCount",
          "PUT with submissionCount -1",
        );
        const typo = expectBadField(
          await api(ctx, "PUT", path, { submissionCount: 1, totalcount: 5 }),
          "totalcount",
          "PUT with the misspelt field totalcount",
        );
        expectBadField(
          await api(ctx, "POST", "tables", "{not json"),
          "body",
          "POST /tables with a body that is not JSON",
        );
        expectBadField(
          await api(ctx, "POST", "tables", { tableId: "-starts-with-a-dash" }),
          "tableId",
          "POST /tables with a bad tableId",
        );
        const user = expectStatus(await api(ctx, "GET", path), 200, `GET /${path}`);
        check(
          user.version === state.user?.version && user.submissionCount === SCORES.submissionCount,
          `a refused PUT changed the user: ${JSON.stringify(user)}`,
        );
        return `${negative.field}: ${negative.message}; ${typo.field}: ${typo.message}`;
      },
    },
  ],
  tryIt: (ctx) => {
    const url = ctx.output(STACK, "api_url");
    const json = "-H 'content-type: application/json'";
    return [
      `curl -s -X POST ${url}tables ${json} -d '{"tableId":"titanic","displayName":"Titanic"}'`,
      `curl -s -X PUT ${url}tables/titanic/users/ada ${json} -d '{"submissionCount":1,"totalCount":10}'`,
      `curl -s ${url}tables/titanic/users/ada`,
      `curl -s '${url}tables/titanic/users?limit=2'   # then add &nextToken=<the answer's nextToken>`,
      `curl -s '${url}tables?limit=20'`,
      `curl -s -X PUT ${url}tables/titanic/users/ada ${json} -d '{"submissionCount":-1,"totalCount":10}'   # 400, field submissionCount`,
      `${ctx.awsCli} dynamodb query --table-name ${ctx.output(STACK, "table_name")} --key-condition-expression 'tableId = :t' --expression-attribute-values '{":t":{"S":"titanic"}}'`,
      `${ctx.awsCli} logs filter-log-events --log-group-name ${ctx.output(STACK, "function_log_group")} --filter-pattern '"request"'`,
    ];
  },
});
