import { LambdaClient } from "@aws-sdk/client-lambda";

let client: LambdaClient | undefined;

export function lambda(): LambdaClient {
  client ??= new LambdaClient({});
  return client;
}
