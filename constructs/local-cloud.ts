import type { IConstruct } from "constructs";
import { AwsStack } from "./aws-stack";

/**
 * The local cloud's address of an API (`http://<id>.execute-api.localhost:<port>`, no trailing
 * slash) when the construct's stack deploys to the local cloud, or `endpoint` is given; else
 * undefined (on AWS the provider's invoke URL is the address). The local cloud serves that Host
 * form; curl resolves `*.localhost` to the loopback address.
 */
export function localCloudUrl(scope: IConstruct, apiId: string, endpoint?: string): string | undefined {
  const target = endpoint ?? AwsStack.find(scope)?.endpoint;
  if (target === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new Error(`${scope.node.path}: local cloud endpoint "${target}" is not a URL`);
  }
  const port = url.port ? `:${url.port}` : "";
  return `${url.protocol}//${apiId}.execute-api.localhost${port}`;
}
