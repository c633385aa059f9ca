// The local cloud's Node.js runtime client: one execution environment's process. It speaks the
// Lambda Runtime API (AWS_LAMBDA_RUNTIME_API, the contract every Lambda runtime implements):
// GET .../invocation/next, then POST .../invocation/{id}/response or /error, and /init/error
// when the handler cannot be loaded. The handler is resolved from _HANDLER as Lambda's Node.js
// runtime does: "<dir>/<module>.<export>[.<nested>]" under LAMBDA_TASK_ROOT, trying .js, .mjs
// and .cjs (ESM for .mjs or a "type": "module" package.json), else a module on NODE_PATH.
// console output gets Lambda's "<time>\t<requestId>\t<LEVEL>\t<message>" lines; after each
// invocation a marker line on stdout tells the local cloud that invocation's output is complete.
"use strict";

const fs = require("node:fs");
const http = require("node:http");
const path = require("node:path");
const util = require("node:util");
const { pathToFileURL } = require("node:url");

const [API_HOST, API_PORT] = String(process.env.AWS_LAMBDA_RUNTIME_API).split(":");
const API = "/2018-06-01/runtime";
// node:http, not fetch: fetch loads undici on first use, which costs tens of ms of every cold start.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function request(method, pathname, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: API_HOST, port: Number(API_PORT), method, path: pathname, agent, headers },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      },
    );
    req.on("error", reject);
    if (body !== undefined) req.end(body);
    else req.end();
  });
}
const MARKER = "\u0000localcloud-end";
let currentRequestId;

function patchConsole() {
  const write =
    (level) =>
    (...args) => {
      const message = util.format(...args).replace(/\n/g, "\r");
      const id = currentRequestId || "undefined";
      process.stdout.write(`${new Date().toISOString()}\t${id}\t${level}\t${message}\n`);
    };
  console.log = write("INFO");
  console.info = write("INFO");
  console.warn = write("WARN");
  console.error = write("ERROR");
  console.debug = write("DEBUG");
  console.trace = write("TRACE");
}

// As Lambda's Node runtime client reports them: an Error by its name (a subclass that sets no
// name is "Error"), anything else thrown by its typeof ("string", "object") and String().
function errorBody(error, fallbackType) {
  if (util.types.isNativeError(error) || error instanceof Error) {
    return {
      errorType: error.name || fallbackType,
      errorMessage: error.message,
      trace: String(error.stack || "").split("\n"),
    };
  }
  let message;
  try {
    message = String(error);
  } catch {
    message = "";
  }
  return { errorType: typeof error, errorMessage: message, trace: [] };
}

class RuntimeError extends Error {
  constructor(name, message) {
    super(message);
    this.name = name;
  }
}

function isEsm(file) {
  if (file.endsWith(".mjs")) return true;
  if (file.endsWith(".cjs")) return false;
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, "package.json");
    if (fs.existsSync(pkg)) {
      try {
        return JSON.parse(fs.readFileSync(pkg, "utf8")).type === "module";
      } catch {
        return false;
      }
    }
    if (dir === path.dirname(dir) || dir === path.dirname(process.env.LAMBDA_TASK_ROOT || "/")) return false;
  }
}

async function loadHandler() {
  const root = process.env.LAMBDA_TASK_ROOT;
  const handler = process.env._HANDLER || "";
  const slash = handler.lastIndexOf("/");
  const dir = handler.slice(0, slash + 1);
  const rest = handler.slice(slash + 1);
  const dot = rest.indexOf(".");
  if (dot <= 0 || dot === rest.length - 1) {
    throw new RuntimeError("Runtime.MalformedHandlerName", `Bad handler ${handler}: expected <module>.<export>`);
  }
  const moduleName = dir + rest.slice(0, dot);
  const exportPath = rest.slice(dot + 1).split(".");
  const base = path.resolve(root, moduleName);
  const file = [".js", ".mjs", ".cjs"].map((ext) => base + ext).find((f) => fs.existsSync(f));
  let mod;
  try {
    if (file) mod = isEsm(file) ? await import(pathToFileURL(file).href) : require(file);
    else mod = require(moduleName);
  } catch (error) {
    if (error && error.code === "MODULE_NOT_FOUND" && !file) {
      throw new RuntimeError("Runtime.ImportModuleError", `Error: Cannot find module '${moduleName}'`);
    }
    if (error instanceof SyntaxError) throw new RuntimeError("Runtime.UserCodeSyntaxError", String(error));
    throw error;
  }
  let fn = mod;
  for (const key of exportPath) fn = fn == null ? undefined : fn[key];
  if (typeof fn !== "function" && mod && mod.default && !file?.endsWith(".mjs")) {
    let viaDefault = mod.default;
    for (const key of exportPath) viaDefault = viaDefault == null ? undefined : viaDefault[key];
    if (typeof viaDefault === "function") fn = viaDefault;
  }
  if (typeof fn !== "function") {
    throw new RuntimeError(
      "Runtime.HandlerNotFound",
      `${moduleName}.${exportPath.join(".")} is undefined or not exported`,
    );
  }
  return fn;
}

async function post(pathname, body, headers = {}) {
  await request("POST", pathname, body, { "content-type": "application/json", ...headers });
}

function contextFor(headers, deadline) {
  const env = process.env;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: headers["lambda-runtime-invoked-function-arn"],
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: headers["lambda-runtime-aws-request-id"],
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    identity: undefined,
    clientContext: headers["lambda-runtime-client-context"]
      ? JSON.parse(headers["lambda-runtime-client-context"])
      : undefined,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

/** Runs one handler call: async (promise) or callback style, as Lambda's Node.js runtime does. */
function call(handler, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const callback = (error, result) => {
      if (settled) return;
      settled = true;
      if (error !== undefined && error !== null) reject(error);
      else resolve(result);
    };
    context.done = callback;
    context.succeed = (result) => callback(null, result);
    context.fail = (error) => callback(error ?? new Error("handled"));
    try {
      const out = handler(event, context, callback);
      if (out && typeof out.then === "function")
        out.then(
          (r) => callback(null, r),
          (e) => callback(e ?? new Error("rejected")),
        );
      else if (handler.length < 3) callback(null, out);
    } catch (error) {
      callback(error);
    }
  });
}

async function main() {
  patchConsole();
  let handler;
  try {
    handler = await loadHandler();
  } catch (error) {
    const body = errorBody(error, "Runtime.ImportModuleError");
    console.error(JSON.stringify(body));
    await post(`${API}/init/error`, JSON.stringify(body), { "lambda-runtime-function-error-type": body.errorType });
    process.exit(1);
  }
  process.stdout.write(`${MARKER} init\n`);
  for (;;) {
    const next = await request("GET", `${API}/invocation/next`);
    const id = next.headers["lambda-runtime-aws-request-id"];
    const deadline = Number(next.headers["lambda-runtime-deadline-ms"]);
    const event = JSON.parse(next.body || "null");
    currentRequestId = id;
    // Lambda sets the X-Ray trace header of each invocation in the environment (the SDK reads it).
    if (next.headers["lambda-runtime-trace-id"]) process.env._X_AMZN_TRACE_ID = next.headers["lambda-runtime-trace-id"];
    else delete process.env._X_AMZN_TRACE_ID;
    const context = contextFor(next.headers, deadline);
    let outcome;
    try {
      const result = await call(handler, event, context);
      outcome = { ok: true, body: JSON.stringify(result === undefined ? null : result) };
    } catch (error) {
      const body = errorBody(error, "Error");
      process.stdout.write(
        `${new Date().toISOString()}\t${id}\tERROR\tInvoke Error \t${JSON.stringify(body).replace(/\n/g, "\r")}\n`,
      );
      outcome = { ok: false, body: JSON.stringify(body), type: body.errorType };
    }
    process.stdout.write(`${MARKER} ${id}\n`);
    currentRequestId = undefined;
    if (outcome.ok) await post(`${API}/invocation/${id}/response`, outcome.body);
    else {
      await post(`${API}/invocation/${id}/error`, outcome.body, { "lambda-runtime-function-error-type": outcome.type });
    }
  }
}

main().catch((error) => {
  process.stderr.write(`localcloud bootstrap: ${error?.stack ?? error}\n`);
  process.exit(1);
});
