import { Apigatewayv2Api } from "@cdktf/provider-aws/lib/apigatewayv2-api";
import { Apigatewayv2Integration } from "@cdktf/provider-aws/lib/apigatewayv2-integration";
import { Apigatewayv2Route } from "@cdktf/provider-aws/lib/apigatewayv2-route";
import { Apigatewayv2Stage } from "@cdktf/provider-aws/lib/apigatewayv2-stage";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import type { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { Construct, type IConstruct } from "constructs";
import { AwsStack } from "./aws-stack";
import type { LambdaFunction } from "./function";
import { Role } from "./iam";
import { localCloudUrl } from "./local-cloud";
import { assertRetention, fitName, NAME_LIMITS, pascalId } from "./names";
import type { StateMachine } from "./state-machine";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
/** `AWS_IAM`: callers sign with SigV4. `NONE`: only for a route whose target authenticates every request itself. */
export type RouteAuthorization = "AWS_IAM" | "NONE";

export interface LambdaRouteOptions {
  readonly method: HttpMethod;
  /** Path starting with "/", e.g. `/orders/{id}`. */
  readonly path: string;
  readonly fn: LambdaFunction;
  /** @default "AWS_IAM" */
  readonly authorization?: RouteAuthorization;
}

/** What a Lambda proxy integration can call: a function, or an alias of one (`Alias`). */
export interface LambdaTarget extends IConstruct {
  readonly invokeArn: string;
  allowInvokeFrom(id: string, props: { readonly principal: string; readonly sourceArn: string }): LambdaPermission;
}

export interface DefaultRouteOptions {
  /** Answers every request no other route matches (Lambda proxy, payload format 2.0). */
  readonly target: LambdaTarget;
  /** @default "AWS_IAM" */
  readonly authorization?: RouteAuthorization;
}

export interface StartExecutionRouteOptions {
  readonly method: HttpMethod;
  readonly path: string;
  readonly stateMachine: StateMachine;
  /** @default "AWS_IAM" */
  readonly authorization?: RouteAuthorization;
  /** The role API Gateway assumes to start executions (it may start exactly this machine). */
  readonly roleName: string;
}

export interface HttpApiProps {
  readonly apiName: string;
  /** Days to keep access logs. @default 30 */
  readonly logRetentionDays?: number;
  /** Throttling of the default route settings. @default 50 requests/s, burst 100 */
  readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number };
  /** CORS for browser callers. @default none (browsers may not call the API cross-origin) */
  readonly cors?: CorsOptions;
}

export interface CorsOptions {
  /** Origins allowed, e.g. `https://app.example.com`; `*` only where any site may call. */
  readonly allowOrigins: readonly string[];
  /** @default GET, POST, PUT, PATCH, DELETE, OPTIONS */
  readonly allowMethods?: readonly string[];
  /** @default content-type, authorization */
  readonly allowHeaders?: readonly string[];
  /** Response headers browsers may read besides the simple ones (e.g. `location`). @default none */
  readonly exposeHeaders?: readonly string[];
  /** How long browsers cache a preflight answer. @default 300 */
  readonly maxAgeSeconds?: number;
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
    const { apiName, logRetentionDays = 30, throttle = { rateLimit: 50, burstLimit: 100 }, cors } = props;
    assertRetention(this.node.path, logRetentionDays);
    if (cors && cors.allowOrigins.length === 0) throw new Error(`${this.node.path}: cors needs at least one origin`);
    this.resource = new Apigatewayv2Api(this, "Resource", {
      name: apiName,
      protocolType: "HTTP",
      corsConfiguration: cors
        ? {
            allowOrigins: [...cors.allowOrigins],
            allowMethods: [...(cors.allowMethods ?? ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])],
            allowHeaders: [...(cors.allowHeaders ?? ["content-type", "authorization"])],
            ...(cors.exposeHeaders?.length ? { exposeHeaders: [...cors.exposeHeaders] } : {}),
            maxAge: cors.maxAgeSeconds ?? 300,
          }
        : undefined,
    });
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

  /**
   * The invoke URL of the `$default` stage; in a stack deployed to the local cloud its local
   * address, `http://<id>.execute-api.localhost:<port>/` (the provider builds the AWS host itself).
   */
  get url(): string {
    const local = localCloudUrl(this, this.resource.id);
    return local === undefined ? this.stage.invokeUrl : `${local}/`;
  }

  /** The execution ARN invoke permissions are scoped to (AwsStack.executionArnOf). */
  private get executionArn(): string {
    return AwsStack.find(this)?.executionArnOf(this.resource) ?? this.resource.executionArn;
  }

  /**
   * Routes `METHOD /path` to `fn` (Lambda proxy, payload format 2.0). The invoke permission is
   * scoped to that route's method and path.
   */
  addLambdaRoute(options: LambdaRouteOptions): Apigatewayv2Route {
    const { method, path, fn, authorization = "AWS_IAM" } = options;
    this.checkPath(path);
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
    const routeId = this.routeId(method, path);
    const route = this.route(routeId, `${method} ${path}`, integration, authorization);
    // The execution ARN's form is <api>/<stage>/<method>/<path>; path parameters become "*".
    const arnPath = path.replace(/\{[^}]+\}/g, "*");
    fn.allowInvokeFrom(`AllowApiGateway${routeId}`, {
      principal: "apigateway.amazonaws.com",
      sourceArn: `${this.executionArn}/*/${method}${arnPath}`,
    });
    return route;
  }

  /**
   * Routes `METHOD /path` straight to Step Functions StartExecution (no function in between):
   * the request body is the execution input, the answer carries the execution ARN. API Gateway
   * assumes a role of its own that may start exactly this state machine.
   */
  addStartExecutionRoute(options: StartExecutionRouteOptions): Apigatewayv2Route {
    const { method, path, stateMachine, authorization = "AWS_IAM", roleName } = options;
    this.checkPath(path);
    const routeId = this.routeId(method, path);
    const role = new Role(this, `${routeId}Role`, {
      roleName: fitName(roleName, NAME_LIMITS.iamRole),
      assumedBy: { service: "apigateway.amazonaws.com" },
    });
    stateMachine.grantStartExecution(role);
    const integration = new Apigatewayv2Integration(this, `${routeId}Integration`, {
      apiId: this.resource.id,
      integrationType: "AWS_PROXY",
      integrationSubtype: "StepFunctions-StartExecution",
      credentialsArn: role.arn,
      requestParameters: { StateMachineArn: stateMachine.arn, Input: "$request.body" },
      // First-class AWS service integrations speak payload format 1.0 only.
      payloadFormatVersion: "1.0",
      dependsOn: role.policyDependable ? [role.policyDependable] : [],
    });
    return this.route(routeId, `${method} ${path}`, integration, authorization);
  }

  /**
   * The catch-all `$default` route: every request no other route matches goes to `target` (a
   * function or an alias; the target does its own routing). The invoke permission is for that
   * target only (an alias: its qualifier) and for this API's `$default` route only.
   */
  addDefaultRoute(options: DefaultRouteOptions): Apigatewayv2Route {
    const { target, authorization = "AWS_IAM" } = options;
    if (this.node.tryFindChild("RouteDefault")) throw new Error(`${this.node.path}: the $default route exists already`);
    const integration = new Apigatewayv2Integration(this, "DefaultIntegration", {
      apiId: this.resource.id,
      integrationType: "AWS_PROXY",
      integrationUri: target.invokeArn,
      integrationMethod: "POST",
      payloadFormatVersion: "2.0",
    });
    const route = this.route("Default", "$default", integration, authorization);
    target.allowInvokeFrom(`AllowApiGateway${pascalId(this.node.id)}Default`, {
      principal: "apigateway.amazonaws.com",
      sourceArn: `${this.executionArn}/*/$default`,
    });
    return route;
  }

  private checkPath(path: string): void {
    if (!path.startsWith("/")) throw new Error(`${this.node.path}: route path "${path}" must start with "/"`);
  }

  private routeId(method: HttpMethod, path: string): string {
    return `${method}${pascalId(path) || "Root"}`;
  }

  private route(
    routeId: string,
    routeKey: string,
    integration: Apigatewayv2Integration,
    authorization: RouteAuthorization,
  ): Apigatewayv2Route {
    return new Apigatewayv2Route(this, `Route${routeId}`, {
      apiId: this.resource.id,
      routeKey,
      target: `integrations/${integration.id}`,
      authorizationType: authorization,
    });
  }
}
