/** Clients the shared kit does not have (one per container). */
import { SNSClient } from "@aws-sdk/client-sns";

let snsClient: SNSClient | undefined;

export function sns(): SNSClient {
  snsClient ??= new SNSClient({});
  return snsClient;
}
