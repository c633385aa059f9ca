/**
 * How a setting is read: its environment variable, else its cdktf context key (cdktf.json
 * "context" or `--context`), else its default. Problems are collected, never thrown one by one,
 * so a user sees every bad value at once.
 */

export interface SettingName {
  /** Environment variable, e.g. `PIPELINE_PROJECT_NAME`. */
  readonly env: string;
  /** cdktf context key, e.g. `sfn-pipeline:projectName`. */
  readonly context: string;
  /**
   * The setting's former names, still read (after the current ones) with a warning for one
   * release, so a pipeline or shell that sets them keeps working while it is updated.
   */
  readonly formerly?: { readonly env: string; readonly context: string };
}

export type ConfigSource = {
  /** Environment variables (usually process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** cdktf context values (usually app.node.tryGetContext). */
  readonly context?: (key: string) => unknown;
};

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Reads raw settings from one source and gathers problems. */
export class SettingsReader {
  readonly problems: string[] = [];
  /** Former setting names in use: each one's line says what to set instead. */
  readonly warnings: string[] = [];

  constructor(private readonly source: ConfigSource) {}

  /**
   * The trimmed value and where it came from; `value` is undefined when unset. The environment
   * wins over context; a current name over a former one. A current and a former name set to
   * different values is a problem naming both (which one was meant cannot be told).
   */
  read(setting: SettingName): { value: string | undefined; from: string } {
    const current = this.readNames(setting.env, setting.context);
    const former = setting.formerly ? this.readNames(setting.formerly.env, setting.formerly.context) : undefined;
    if (former?.value !== undefined) {
      const formerName = former.from;
      const currentName = former.from.startsWith("context ") ? `context ${setting.context}` : setting.env;
      if (current.value !== undefined && current.value !== former.value) {
        this.problems.push(
          `${current.from}="${current.value}" and its former name ${formerName}="${former.value}" disagree: set only ${current.from}`,
        );
      } else {
        this.warnings.push(`${formerName} is a former name, read for one more release: set ${currentName} instead`);
      }
      if (current.value === undefined) return former as { value: string; from: string };
    }
    if (current.value !== undefined) return current;
    return { value: undefined, from: `${setting.env} (or context ${setting.context})` };
  }

  private readNames(env: string, context: string): { value: string | undefined; from: string } {
    const fromEnv = this.source.env?.[env];
    if (fromEnv !== undefined && fromEnv.trim() !== "") return { value: fromEnv.trim(), from: env };
    const fromContext = this.source.context?.(context);
    if (fromContext !== undefined && fromContext !== null && String(fromContext).trim() !== "") {
      return { value: String(fromContext).trim(), from: `context ${context}` };
    }
    return { value: undefined, from: `${env} (or context ${context})` };
  }

  /** An environment variable the platform honours after its own (AWS_REGION, say). */
  rawEnv(name: string): string | undefined {
    return this.source.env?.[name];
  }

  /** A string setting with a default, checked against `rule` (returns the reason or undefined). */
  string(setting: SettingName, fallback: string, rule: (value: string) => string | undefined): string {
    const { value, from } = this.read(setting);
    const result = value ?? fallback;
    const problem = rule(result);
    if (problem) this.fail(from, result, problem);
    return result;
  }

  /** A comma-separated list; each item checked against `rule`. */
  list(setting: SettingName, fallback: readonly string[], rule: (item: string) => string | undefined): string[] {
    const { value, from } = this.read(setting);
    const items =
      value === undefined
        ? [...fallback]
        : value
            .split(",")
            .map((s) => s.trim())
            .filter((s) => s !== "");
    for (const item of items) {
      const problem = rule(item);
      if (problem) this.fail(from, item, problem);
    }
    return items;
  }

  /** A boolean: true/false (also 1/0, yes/no). */
  boolean(setting: SettingName, fallback: boolean): boolean {
    const { value, from } = this.read(setting);
    if (value === undefined) return fallback;
    const v = value.toLowerCase();
    if (["true", "1", "yes"].includes(v)) return true;
    if (["false", "0", "no"].includes(v)) return false;
    this.fail(from, value, "must be true or false");
    return fallback;
  }

  fail(from: string, value: string, rule: string): void {
    this.problems.push(`${from}="${value}": ${rule}`);
  }
}

/** A rule from a pattern and the sentence that explains it. */
export const matches =
  (pattern: RegExp, explanation: string) =>
  (value: string): string | undefined =>
    pattern.test(value) ? undefined : explanation;

/** A rule: one of the given values. */
export const oneOf =
  (values: readonly string[]) =>
  (value: string): string | undefined =>
    values.includes(value) ? undefined : `must be one of ${values.join(", ")}`;
