// Runs a state machine definition as synthesized (the JSON the stack deploys) in-process: the
// emulator records executions but runs no Lambda task (that needs Docker), so this walks the
// definition the way Step Functions does (Parameters, ResultSelector, ResultPath, OutputPath,
// Choice, Parallel, Catch) and hands each Task to the test: lambda:invoke to the handler of the
// function the ARN names, sns:publish to the emulator's real SNS. Retries are not replayed
// (a test that needs one says so). Only the ASL the stack uses is supported; anything else fails
// loudly, so the definitions cannot silently drift past what is proven here.

// biome-ignore lint/suspicious/noExplicitAny: ASL state data is untyped JSON.
type Json = any;

export interface TaskCall {
  /** The state's Resource, e.g. `arn:aws:states:::lambda:invoke`. */
  readonly resource: string;
  /** The resolved Parameters. */
  readonly parameters: Record<string, Json>;
  readonly state: string;
}

export interface Execution {
  readonly status: "SUCCEEDED" | "FAILED";
  readonly output?: Json;
  readonly error?: { Error: string; Cause: string };
  /** States entered, in order (Parallel branches' states prefixed with `<parallel>/<branch>/`). */
  readonly path: string[];
}

class StatesError extends Error {
  constructor(
    readonly error: string,
    readonly cause: string,
  ) {
    super(`${error}: ${cause}`);
  }
}

/** `$`, `$.a.b`, `$[0]`, `$.a[1].b`: the JSONPath forms ASL uses here. */
export function readPath(data: Json, path: string): Json {
  if (!path.startsWith("$")) throw new Error(`unsupported path ${path}`);
  const parts = path.slice(1).match(/\.[A-Za-z0-9_]+|\[\d+\]/g) ?? [];
  if (parts.join("") !== path.slice(1)) throw new Error(`unsupported path ${path}`);
  let value = data;
  for (const part of parts) {
    const key = part.startsWith("[") ? Number(part.slice(1, -1)) : part.slice(1);
    if (value === null || typeof value !== "object" || !(key in value)) {
      throw new StatesError("States.Runtime", `path ${path} does not exist in the state data`);
    }
    value = value[key];
  }
  return value;
}

function writePath(data: Json, path: string | null | undefined, result: Json): Json {
  if (path === null) return data;
  if (path === undefined || path === "$") return result;
  const parts = path.slice(2).split(".");
  if (!path.startsWith("$.") || parts.some((p) => !/^[A-Za-z0-9_]+$/.test(p)))
    throw new Error(`unsupported ResultPath ${path}`);
  const copy = structuredClone(data ?? {});
  let target = copy;
  for (const p of parts.slice(0, -1)) target = target[p] ??= {};
  target[parts[parts.length - 1]] = result;
  return copy;
}

function intrinsic(expression: string, data: Json): Json {
  const m = /^States\.JsonToString\((\$[^)]*)\)$/.exec(expression);
  if (m) return JSON.stringify(readPath(data, m[1]));
  throw new Error(`unsupported intrinsic ${expression}`);
}

/** Parameters / ResultSelector: keys ending in `.$` take a path or intrinsic from `data`. */
export function resolveTemplate(template: Record<string, Json>, data: Json): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith(".$")) {
      out[key.slice(0, -2)] = String(value).startsWith("States.") ? intrinsic(value, data) : readPath(data, value);
    } else if (value && typeof value === "object" && !Array.isArray(value)) {
      out[key] = resolveTemplate(value, data);
    } else out[key] = value;
  }
  return out;
}

function matches(errorEquals: readonly string[], name: string): boolean {
  return (
    errorEquals.includes("States.ALL") ||
    errorEquals.includes(name) ||
    (name !== "States.Runtime" && errorEquals.includes("States.TaskFailed"))
  );
}

export async function runDefinition(
  definition: { StartAt: string; States: Record<string, Json> },
  input: Json,
  task: (call: TaskCall) => Promise<Json>,
  prefix = "",
  path: string[] = [],
): Promise<Execution> {
  let name = definition.StartAt;
  let data = input;
  for (let steps = 0; steps < 200; steps++) {
    const state = definition.States[name];
    if (!state) throw new Error(`no state ${name}`);
    path.push(`${prefix}${name}`);
    try {
      switch (state.Type) {
        case "Succeed":
          return { status: "SUCCEEDED", output: data, path };
        case "Fail": {
          const error = state.ErrorPath ? readPath(data, state.ErrorPath) : state.Error;
          const cause = state.CausePath ? readPath(data, state.CausePath) : state.Cause;
          return { status: "FAILED", error: { Error: error, Cause: cause }, path };
        }
        case "Pass":
          data = writePath(data, state.ResultPath, state.Parameters ? resolveTemplate(state.Parameters, data) : data);
          break;
        case "Choice": {
          const rule = state.Choices.find((c: Json) => {
            const value = (() => {
              try {
                return readPath(data, c.Variable);
              } catch {
                return undefined;
              }
            })();
            if ("StringEquals" in c) return value === c.StringEquals;
            if ("BooleanEquals" in c) return value === c.BooleanEquals;
            throw new Error(`unsupported choice rule ${JSON.stringify(c)}`);
          });
          name = rule ? rule.Next : state.Default;
          if (!name) throw new StatesError("States.NoChoiceMatched", "no choice matched");
          continue;
        }
        case "Task": {
          const parameters = resolveTemplate(state.Parameters ?? {}, data);
          let result: Json;
          try {
            result = await task({ resource: state.Resource, parameters, state: name });
          } catch (err) {
            const e = err as Error;
            throw new StatesError(e.name || "Error", JSON.stringify({ errorType: e.name, errorMessage: e.message }));
          }
          if (state.ResultSelector) result = resolveTemplate(state.ResultSelector, result);
          data = writePath(data, state.ResultPath, result);
          if (state.OutputPath) data = readPath(data, state.OutputPath);
          break;
        }
        case "Parallel": {
          const results = await Promise.all(
            state.Branches.map(async (b: Json, i: number) => {
              const run = await runDefinition(b, data, task, `${prefix}${name}/${i}/`, path);
              if (run.status === "FAILED") throw new StatesError(run.error?.Error ?? "Error", run.error?.Cause ?? "");
              return run.output;
            }),
          );
          const result = state.ResultSelector ? resolveTemplate(state.ResultSelector, results) : results;
          data = writePath(data, state.ResultPath, result);
          break;
        }
        default:
          throw new Error(`unsupported state type ${state.Type}`);
      }
    } catch (err) {
      if (!(err instanceof StatesError)) throw err;
      const catcher = (state.Catch ?? []).find((c: Json) => matches(c.ErrorEquals, err.error));
      if (!catcher) return { status: "FAILED", error: { Error: err.error, Cause: err.cause }, path };
      data = writePath(data, catcher.ResultPath, { Error: err.error, Cause: err.cause });
      name = catcher.Next;
      continue;
    }
    if (state.End) return { status: "SUCCEEDED", output: data, path };
    name = state.Next;
  }
  throw new Error("execution did not end within 200 states");
}
