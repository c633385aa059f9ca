import { SSMClient } from "@aws-sdk/client-ssm";

let client: SSMClient | undefined;

export function ssm(): SSMClient {
  client ??= new SSMClient({});
  return client;
}
