/** Settings of the iac-ci system: its name prefix and default image tag. */
import type { SettingsSection } from "../../config";
import { matches, type SettingsReader } from "../../config/settings";

export interface IacCiSettings {
  /** Name prefix of iac-ci's resources (`<prefix>-<env>-...`) and of its state keys. */
  readonly prefix: string;
  /** Default of 02-deploy's `image_tag` Terraform variable. */
  readonly defaultImageTag: string;
}

export const IAC_CI_SETTINGS = {
  prefix: { env: "IAC_CI_PREFIX", context: "iac-ci:prefix" },
  defaultImageTag: { env: "IAC_CI_IMAGE_TAG", context: "iac-ci:imageTag" },
} as const;

export function readIacCiSettings(r: SettingsReader): IacCiSettings {
  return {
    prefix: r.string(
      IAC_CI_SETTINGS.prefix,
      "iac-ci",
      matches(
        /^[a-z][a-z0-9-]{0,18}[a-z0-9]$/,
        "must be 2-20 characters of lowercase letters, digits and hyphens, starting with a letter",
      ),
    ),
    defaultImageTag: r.string(
      IAC_CI_SETTINGS.defaultImageTag,
      "latest",
      matches(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, "must be a valid image tag (letters, digits, _ . -, at most 128)"),
    ),
  };
}

/** The section the registry loads: iac-ci's settings, validated with the rest. */
export const IAC_CI_SECTION: SettingsSection<IacCiSettings> = { system: "iac-ci", read: readIacCiSettings };
