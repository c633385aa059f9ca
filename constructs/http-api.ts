import { Apigatewayv2Api } from "@cdktf/provider-aws/lib/apigatewayv2-api";
import { Apigatewayv2Integration } from "@cdktf/provider-aws/lib/apigatewayv2-integration";
import { Apigatewayv2Route } from "@cdktf/provider-aws/lib/apigatewayv2-route";
import { Apigatewayv2Stage } from "@cdktf/provider-aws/lib/apigatewayv2-stage";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { Construct } from "constructs";
import type { LambdaFunction } from "./function";
import { pascalSid } from "./grants";

export interface HttpApiProps {
  readonly apiName: string;
  /** Days to keep access logs. @default 30 */
  readonly logRetentionDays?: number;
  /** Throttling of the default route settings. @default 50 requests/s, burst 100 */
  readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number };
}

/**
 * An HTTP API (API Gateway v2) with a `$default` stage that auto-deploys and writes JSON
 * access logs. Routes proxy to Lambda functions; each route's invoke permission is scoped to
 * that route's method and path.
 */
export class HttpApi extends Construct {
  readonly resource: Apigatewayv2Api;
  readonly stage: Apigatewayv2Stage;
  private readonly integrations = new Map<LambdaFunction, Apigatewayv2Integration>();

  constructor(scope: Construct, id: string, props: HttpApiProps) {
    super(scope, id);
    const { apiName, logRetentionDays = 30, throttle = { rateLimit: 50, burstLimit: 100 } } = props;
    this.resource = new Apigatewayv2Api(this, "Resource", { name: apiName, protocolType: "HTTP" });
    const accessLogs = new CloudwatchLogGroup(this, "AccessLogs", {
      name: `/aws/apigateway/${apiName}`,
      retentionInDays: logRetentionDays,
    });
    this.stage = new Apigatewayv2Stage(this, "DefaultStage", {
      apiId: this.resource.id,
      name: "$default",
      autoDeploy: true,
      defaultRouteSettings: { throttlingRateLimit: throttle.rateLimit, throttlingBurstLimit: throttle.burstLimit },
      accessLogSettings: {
        destinationArn: accessLogs.arn,
        format: JSON.stringify({
          requestId: "$context.requestId",
          ip: "$context.identity.sourceIp",
          requestTime: "$context.requestTime",
          routeKey: "$context.routeKey",
          status: "$context.status",
          integrationError: "$context.integrationErrorMessage",
        }),
      },
    });
  }

  get apiId(): string {
    return this.resource.id;
  }

  /** The invoke URL of the `$default` stage. */
  get url(): string {
    return this.stage.invokeUrl;
  }

  /**
   * Routes `METHOD /path` to `fn` (Lambda proxy, payload format 2.0). Callers must sign with
   * SigV4 (`AWS_IAM`) unless `authorization` is `NONE`, for routes whose function authenticates
   * every request itself.
   */
  addLambdaRoute(
    method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
    path: string,
    fn: LambdaFunction,
    authorization: "AWS_IAM" | "NONE" = "AWS_IAM",
  ): void {
    if (!path.startsWith("/")) throw new Error(`${this.node.path}: route path "${path}" must start with "/"`);
    let integration = this.integrations.get(fn);
    if (!integration) {
      integration = new Apigatewayv2Integration(this, `${fn.node.id}Integration`, {
        apiId: this.resource.id,
        integrationType: "AWS_PROXY",
        integrationUri: fn.resource.invokeArn,
        integrationMethod: "POST",
        payloadFormatVersion: "2.0",
      });
      this.integrations.set(fn, integration);
    }
    const routeKey = `${method} ${path}`;
    const routeId = `${method}${pascalSid(path) || "Root"}`;
    new Apigatewayv2Route(this, `Route${routeId}`, {
      apiId: this.resource.id,
      routeKey,
      target: `integrations/${integration.id}`,
      authorizationType: authorization,
    });
    // The execution ARN's form is <api>/<stage>/<method>/<path>; path parameters become "*".
    const arnPath = path.replace(/\{[^}]+\}/g, "*");
    fn.allowInvokeFrom(`AllowApiGateway${routeId}`, {
      principal: "apigateway.amazonaws.com",
      sourceArn: `${this.resource.executionArn}/*/${method}${arnPath}`,
    });
  }
}
