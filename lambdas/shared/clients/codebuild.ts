import { CodeBuildClient } from "@aws-sdk/client-codebuild";

let client: CodeBuildClient | undefined;

export function codebuild(): CodeBuildClient {
  client ??= new CodeBuildClient({});
  return client;
}
