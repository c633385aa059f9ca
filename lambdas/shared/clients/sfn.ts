import { SFNClient } from "@aws-sdk/client-sfn";

let client: SFNClient | undefined;

export function sfn(): SFNClient {
  client ??= new SFNClient({});
  return client;
}
