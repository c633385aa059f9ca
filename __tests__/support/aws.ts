// AWS SDK client settings for the emulator the test run started (see emulator-setup.js).
import fs from "node:fs";
import path from "node:path";

export function emulatorEndpoint(): string {
  const endpoint = process.env.IAC_CI_TEST_ENDPOINT;
  if (!endpoint)
    throw new Error("IAC_CI_TEST_ENDPOINT is not set: run these tests through jest's handlers/terraform project");
  return endpoint;
}

export const TEST_REGION = "us-east-1";

export interface EmulatorCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/**
 * The admin principal's access key that the emulator in `home` created at start, read from
 * `<home>/credentials` (profile `local`, the AWS shared-credentials format). The emulator
 * authenticates and authorizes every request, so dummy keys are refused.
 */
export function emulatorCredentials(
  home: string | undefined = process.env.IAC_CI_TEST_EMULATOR_HOME,
): EmulatorCredentials {
  if (!home)
    throw new Error("IAC_CI_TEST_EMULATOR_HOME is not set: run these tests through jest's handlers/terraform project");
  const file = path.join(home, "credentials");
  const text = fs.readFileSync(file, "utf8");
  const section = text.split(/^\[/m).find((s) => s.startsWith("local]"));
  const value = (key: string) => section?.match(new RegExp(`^${key}\\s*=\\s*(\\S+)\\s*$`, "m"))?.[1];
  const accessKeyId = value("aws_access_key_id");
  const secretAccessKey = value("aws_secret_access_key");
  if (!accessKeyId || !secretAccessKey) throw new Error(`${file}: no [local] access key`);
  return { accessKeyId, secretAccessKey };
}

/** Client config for any AWS SDK v3 client, pointed at the emulator with its admin credentials. */
export function emulatorClientConfig() {
  return {
    endpoint: emulatorEndpoint(),
    region: TEST_REGION,
    forcePathStyle: true,
    credentials: emulatorCredentials(),
  };
}

/**
 * Points every AWS SDK client created afterwards (the handlers' and the test's) at the emulator,
 * through the standard variables the SDK itself reads, with the emulator's admin credentials.
 */
export function pointSdkAtEmulator(region: string = TEST_REGION): void {
  const { accessKeyId, secretAccessKey } = emulatorCredentials();
  process.env.AWS_ENDPOINT_URL = emulatorEndpoint();
  process.env.AWS_REGION = region;
  process.env.AWS_ACCESS_KEY_ID = accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = secretAccessKey;
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
}
