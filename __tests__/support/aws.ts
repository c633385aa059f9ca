// AWS SDK client settings for the emulator the test run started (see emulator-setup.js).
export function emulatorEndpoint(): string {
  const endpoint = process.env.IAC_CI_TEST_ENDPOINT;
  if (!endpoint)
    throw new Error("IAC_CI_TEST_ENDPOINT is not set: run these tests through jest's handlers/terraform project");
  return endpoint;
}

export const TEST_REGION = "us-east-1";

/** Client config for any AWS SDK v3 client, pointed at the emulator with dummy credentials. */
export function emulatorClientConfig() {
  return {
    endpoint: emulatorEndpoint(),
    region: TEST_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  };
}

/**
 * Points every AWS SDK client created afterwards (the handlers' and the test's) at the emulator,
 * through the standard variables the SDK itself reads, with dummy credentials.
 */
export function pointSdkAtEmulator(region: string = TEST_REGION): void {
  process.env.AWS_ENDPOINT_URL = emulatorEndpoint();
  process.env.AWS_REGION = region;
  process.env.AWS_ACCESS_KEY_ID = "testing";
  process.env.AWS_SECRET_ACCESS_KEY = "testing";
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
}

/** Switches moto's Lambda to its no-Docker stub: an Invoke succeeds and answers its payload; nothing runs. */
export async function useMotoLambdaStub(): Promise<void> {
  const res = await fetch(`${emulatorEndpoint()}/moto-api/config`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ lambda: { use_docker: false } }),
  });
  if (!res.ok) throw new Error(`moto config: HTTP ${res.status}`);
}
