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
