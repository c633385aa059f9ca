/**
 * Settings of the model-share playground API: names and structure, fixed at synth.
 * Its deploy-time inputs (enable_pitr, cors_allow_origins, safe_concurrency, use_layer)
 * are Terraform variables of the stack, not settings; MODEL_SHARE_CORS_ALLOW_ORIGINS only sets
 * the default of `cors_allow_origins` (so CI can deploy each environment without a tfvars file).
 */

import type { SettingsSection } from "../../config";
import { matches, oneOf, type SettingsReader } from "../../config/settings";
import { LOG_RETENTION_DAYS } from "../../constructs/names";

export const MODEL_SHARE_AUTHORIZATIONS = ["NONE", "AWS_IAM"] as const;
export type ModelShareAuthorization = (typeof MODEL_SHARE_AUTHORIZATIONS)[number];

export interface ModelShareSettings {
  /** The name prefix (the original `name_prefix`): names are `<namePrefix>-<environment>-<what>`. */
  readonly namePrefix: string;
  /**
   * Default of the `cors_allow_origins` variable; undefined means the environment's default
   * (`["*"]` in dev, none elsewhere). `*` is refused outside dev (checked by the stack, which
   * knows the environment, and by the variable's validation at plan time).
   */
  readonly corsAllowOrigins?: readonly string[];
  /** Retention of the function's and the API's log groups (14 days by default, as originally specified). */
  readonly logRetentionDays: number;
  /**
   * Authorization of the seven routes: NONE (the default: a public playground API called from
   * browsers, CORS-restricted and throttled) or AWS_IAM (SigV4-signed callers only).
   */
  readonly apiAuthorization: ModelShareAuthorization;
  /** Steady-state requests per second of the API's default route settings. */
  readonly throttleRateLimit: number;
  /** Burst of the API's default route settings. */
  readonly throttleBurstLimit: number;
}

export const MODEL_SHARE_SETTINGS = {
  namePrefix: { env: "MODEL_SHARE_NAME_PREFIX", context: "model-share:namePrefix" },
  corsAllowOrigins: { env: "MODEL_SHARE_CORS_ALLOW_ORIGINS", context: "model-share:corsAllowOrigins" },
  logRetentionDays: { env: "MODEL_SHARE_LOG_RETENTION_DAYS", context: "model-share:logRetentionDays" },
  apiAuthorization: { env: "MODEL_SHARE_API_AUTHORIZATION", context: "model-share:apiAuthorization" },
  throttleRateLimit: { env: "MODEL_SHARE_THROTTLE_RATE_LIMIT", context: "model-share:throttleRateLimit" },
  throttleBurstLimit: { env: "MODEL_SHARE_THROTTLE_BURST_LIMIT", context: "model-share:throttleBurstLimit" },
} as const;

/** A browser origin (`scheme://host[:port]`, no path) or `*`. The stack's variable validation uses the same rule. */
export const CORS_ORIGIN_PATTERN = /^(\*|https?:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?)$/;

const positiveInteger = (max: number) => (v: string) =>
  /^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= max ? undefined : `must be an integer from 1 to ${max}`;

export function readModelShareSettings(r: SettingsReader): ModelShareSettings {
  const S = MODEL_SHARE_SETTINGS;
  // 2-32 characters keeps `<prefix>-<stage>-playground-api-role`, the longest name, within IAM's 64.
  const namePrefix = r.string(
    S.namePrefix,
    "aimodelshare",
    matches(
      /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/,
      "must be 2-32 characters of lowercase letters, digits and hyphens, starting with a letter",
    ),
  );
  const corsSet = r.read(S.corsAllowOrigins).value !== undefined;
  const corsAllowOrigins = corsSet
    ? r.list(
        S.corsAllowOrigins,
        [],
        matches(CORS_ORIGIN_PATTERN, "must be * or an origin such as https://app.example.org (scheme://host[:port])"),
      )
    : undefined;
  const retention = r.string(S.logRetentionDays, "14", (v) =>
    (LOG_RETENTION_DAYS as readonly number[]).includes(Number(v))
      ? undefined
      : `must be one of ${LOG_RETENTION_DAYS.join(", ")} (days)`,
  );
  const apiAuthorization = r.string(
    S.apiAuthorization,
    "NONE",
    oneOf(MODEL_SHARE_AUTHORIZATIONS),
  ) as ModelShareAuthorization;
  const rate = r.string(S.throttleRateLimit, "50", positiveInteger(10_000));
  const burst = r.string(S.throttleBurstLimit, "100", positiveInteger(5_000));
  return {
    namePrefix,
    corsAllowOrigins,
    logRetentionDays: Number(retention),
    apiAuthorization,
    throttleRateLimit: Number(rate),
    throttleBurstLimit: Number(burst),
  };
}

/** The section the registry loads: model-share's settings, validated with the rest. */
export const MODEL_SHARE_SECTION: SettingsSection<ModelShareSettings> = {
  system: "model-share",
  read: readModelShareSettings,
};
