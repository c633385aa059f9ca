import { ApiGatewayAccount } from "@cdktf/provider-aws/lib/api-gateway-account";
import { ApiGatewayDeployment } from "@cdktf/provider-aws/lib/api-gateway-deployment";
import { ApiGatewayMethodSettings } from "@cdktf/provider-aws/lib/api-gateway-method-settings";
import { ApiGatewayRestApi } from "@cdktf/provider-aws/lib/api-gateway-rest-api";
import { ApiGatewayStage } from "@cdktf/provider-aws/lib/api-gateway-stage";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { Fn, type ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { AwsStack } from "./aws-stack";
import type { LambdaFunction } from "./function";
import { Role } from "./iam";
import { localCloudUrl } from "./local-cloud";
import { assertRetention, fitName, NAME_LIMITS, pascalId } from "./names";

const METHODS = ["get", "put", "post", "delete", "patch", "head"] as const;
type Method = (typeof METHODS)[number];

/** An OpenAPI 3.0 operation: what the construct reads; everything else passes through unchanged. */
export interface OpenApiOperation {
  readonly operationId: string;
  readonly summary?: string;
  readonly [extension: string]: unknown;
}

/** An OpenAPI 3.0 document (paths with operationIds; integrations are added by the construct). */
export interface OpenApiDocument {
  readonly openapi: string;
  readonly info: { readonly title: string; readonly version: string; readonly description: string };
  readonly paths: Readonly<Record<string, Partial<Record<Method, OpenApiOperation>>>>;
  readonly components?: Readonly<Record<string, unknown>>;
  readonly [extension: string]: unknown;
}

export interface RestApiCors {
  /** The one origin browsers may call from, e.g. `https://app.example.com`; may be a Terraform expression. */
  readonly allowOrigin: string;
  /** @default content-type, authorization, x-amz-date, x-amz-security-token */
  readonly allowHeaders?: readonly string[];
  /** Seconds browsers cache a preflight answer. @default 300 */
  readonly maxAgeSeconds?: number;
}

export interface RestApiProps {
  /** Physical name (1-128 characters). */
  readonly restApiName: string;
  /** The API as OpenAPI 3.0; `info.description` is required (and shown in the console). */
  readonly openApi: OpenApiDocument;
  /** operationId -> the function serving it (Lambda proxy). Every operation needs one, and only those. */
  readonly integrations: Readonly<Record<string, LambdaFunction>>;
  /** `AWS_IAM`: callers sign requests with SigV4. `NONE`: open to anyone who has the URL. @default "AWS_IAM" */
  readonly authorization?: "AWS_IAM" | "NONE";
  /** @default "prod" */
  readonly stageName?: string;
  /** CORS for one browser origin: preflight (OPTIONS) answers and CORS headers on gateway errors. @default none */
  readonly cors?: RestApiCors;
  /** Days to keep access and execution logs. @default 30 */
  readonly logRetentionDays?: number;
  /** Stage throttling. @default 50 requests/s, burst 100 */
  readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number };
  /**
   * Creates the region's API Gateway account setting (the role API Gateway writes CloudWatch
   * logs with), which stage logging needs. It is one per account and region: leave it unset
   * when the account has it already. @default none
   */
  readonly accountLogsRoleName?: string;
  /**
   * The local cloud's endpoint (`http://127.0.0.1:<port>`): `url` is then the stage's local
   * address, `http://<id>.execute-api.localhost:<port>/<stage>`, which the local cloud serves
   * (the provider builds the AWS host name itself). @default the stack's emulator endpoint, if any
   */
  readonly localCloudEndpoint?: string;
}

/**
 * A REST API (API Gateway v1, regional) defined by an OpenAPI 3.0 body: each operation is
 * integrated with its function by operationId (Lambda proxy), each function may be invoked for
 * its own method and path only, and the deployment is redone whenever the body changes (its
 * hash is the trigger). The stage writes JSON access logs and ERROR execution logs to log
 * groups of finite retention, traces with X-Ray and is throttled.
 */
export class RestApi extends Construct {
  readonly resource: ApiGatewayRestApi;
  readonly deployment: ApiGatewayDeployment;
  readonly stage: ApiGatewayStage;
  readonly accessLogs: CloudwatchLogGroup;
  /** The body as sent (JSON, with Terraform references). */
  readonly body: string;
  private readonly localCloud?: string;

  constructor(scope: Construct, id: string, props: RestApiProps) {
    super(scope, id);
    const {
      restApiName,
      openApi,
      integrations,
      authorization = "AWS_IAM",
      stageName = "prod",
      cors,
      logRetentionDays = 30,
      throttle = { rateLimit: 50, burstLimit: 100 },
      accountLogsRoleName,
      localCloudEndpoint,
    } = props;
    const where = this.node.path;
    assertRetention(where, logRetentionDays);
    if (restApiName.length < 1 || restApiName.length > 128)
      throw new Error(`${where}: API name must be 1-128 characters`);
    if (!/^[A-Za-z0-9_]{1,128}$/.test(stageName)) throw new Error(`${where}: stage name "${stageName}" is invalid`);
    if (!openApi.openapi.startsWith("3.0")) throw new Error(`${where}: the body must be OpenAPI 3.0.x`);
    if (!openApi.info.description?.trim()) {
      throw new Error(`${where}: info.description is required (API Gateway imports and shows it)`);
    }

    const operations = RestApi.operations(where, openApi);
    const ids = new Set(operations.map((o) => o.operation.operationId));
    const unserved = [...ids].filter((opId) => !integrations[opId]);
    const unknown = Object.keys(integrations).filter((opId) => !ids.has(opId));
    if (unserved.length || unknown.length) {
      throw new Error(
        `${where}: integrations must match the operations` +
          (unserved.length ? `; no function for ${unserved.join(", ")}` : "") +
          (unknown.length ? `; no operation ${unknown.join(", ")}` : ""),
      );
    }

    this.body = JSON.stringify(this.document(openApi, integrations, authorization, cors));
    this.resource = new ApiGatewayRestApi(this, "Resource", {
      name: restApiName,
      body: this.body,
      endpointConfiguration: { types: ["REGIONAL"] },
      // A replaced API is created before the old one goes, so the stage never points at nothing.
      lifecycle: { createBeforeDestroy: true },
    });
    this.localCloud = localCloudUrl(this, this.resource.id, localCloudEndpoint);

    // Each function may be invoked by this API for its own operations only.
    for (const { path, method, operation } of operations) {
      const fn = integrations[operation.operationId];
      fn.allowInvokeFrom(`AllowApiGateway${pascalId(operation.operationId)}`, {
        principal: "apigateway.amazonaws.com",
        sourceArn: `${AwsStack.find(this)?.executionArnOf(this.resource) ?? this.resource.executionArn}/*/${method.toUpperCase()}${path.replace(/\{[^}]+\}/g, "*")}`,
      });
    }

    this.deployment = new ApiGatewayDeployment(this, "Deployment", {
      restApiId: this.resource.id,
      description: "Redeployed whenever the OpenAPI body changes",
      triggers: { redeployment: Fn.sha1(this.resource.body) },
      lifecycle: { createBeforeDestroy: true },
    });

    this.accessLogs = new CloudwatchLogGroup(this, "AccessLogs", {
      name: `/aws/apigateway/${restApiName}/${stageName}`,
      retentionInDays: logRetentionDays,
    });
    // API Gateway writes execution logs here; created first, so they never live forever.
    const executionLogs = new CloudwatchLogGroup(this, "ExecutionLogs", {
      name: `API-Gateway-Execution-Logs_${this.resource.id}/${stageName}`,
      retentionInDays: logRetentionDays,
    });
    const stageDependsOn: ITerraformDependable[] = [executionLogs];
    if (accountLogsRoleName) stageDependsOn.push(this.accountSetting(accountLogsRoleName));

    this.stage = new ApiGatewayStage(this, "Stage", {
      restApiId: this.resource.id,
      deploymentId: this.deployment.id,
      stageName,
      xrayTracingEnabled: true,
      accessLogSettings: {
        destinationArn: this.accessLogs.arn,
        format: JSON.stringify({
          requestId: "$context.requestId",
          ip: "$context.identity.sourceIp",
          requestTime: "$context.requestTime",
          httpMethod: "$context.httpMethod",
          resourcePath: "$context.resourcePath",
          status: "$context.status",
          responseLength: "$context.responseLength",
          integrationError: "$context.integrationErrorMessage",
        }),
      },
      dependsOn: stageDependsOn,
    });
    new ApiGatewayMethodSettings(this, "MethodSettings", {
      restApiId: this.resource.id,
      stageName: this.stage.stageName,
      methodPath: "*/*",
      settings: {
        metricsEnabled: true,
        loggingLevel: "ERROR",
        dataTraceEnabled: false,
        throttlingRateLimit: throttle.rateLimit,
        throttlingBurstLimit: throttle.burstLimit,
      },
    });
  }

  get restApiId(): string {
    return this.resource.id;
  }

  /** The stage's invoke URL (`https://<id>.execute-api.<region>.amazonaws.com/<stage>`, or its local cloud address). */
  get url(): string {
    return this.localCloud === undefined ? this.stage.invokeUrl : `${this.localCloud}/${this.stage.stageName}`;
  }

  /** Every operation of the document, checked: paths start with "/", operationIds are unique. */
  static operations(
    where: string,
    doc: OpenApiDocument,
  ): { path: string; method: Method; operation: OpenApiOperation }[] {
    const out: { path: string; method: Method; operation: OpenApiOperation }[] = [];
    const seen = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths)) {
      if (!path.startsWith("/")) throw new Error(`${where}: path "${path}" must start with "/"`);
      for (const method of METHODS) {
        const operation = item[method];
        if (!operation) continue;
        if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(operation.operationId ?? "")) {
          throw new Error(`${where}: ${method.toUpperCase()} ${path} needs an operationId of letters, digits and _`);
        }
        if (seen.has(operation.operationId))
          throw new Error(`${where}: operationId ${operation.operationId} is used twice`);
        seen.add(operation.operationId);
        out.push({ path, method, operation });
      }
    }
    if (out.length === 0) throw new Error(`${where}: the document has no operations`);
    return out;
  }

  private document(
    doc: OpenApiDocument,
    integrations: Readonly<Record<string, LambdaFunction>>,
    authorization: "AWS_IAM" | "NONE",
    cors: RestApiCors | undefined,
  ): Record<string, unknown> {
    const headers = cors?.allowHeaders ?? ["content-type", "authorization", "x-amz-date", "x-amz-security-token"];
    const origin = cors ? `'${cors.allowOrigin}'` : undefined;
    const paths: Record<string, Record<string, unknown>> = {};
    for (const [path, item] of Object.entries(doc.paths)) {
      const methods: Record<string, unknown> = {};
      for (const method of METHODS) {
        const operation = item[method];
        if (!operation) continue;
        methods[method] = {
          ...operation,
          ...(authorization === "AWS_IAM" ? { security: [{ sigv4: [] }] } : {}),
          "x-amazon-apigateway-integration": {
            type: "aws_proxy",
            httpMethod: "POST",
            uri: integrations[operation.operationId].resource.invokeArn,
            passthroughBehavior: "when_no_match",
          },
        };
      }
      if (origin) {
        const allowed = [...Object.keys(methods).map((m) => m.toUpperCase()), "OPTIONS"].join(",");
        methods.options = {
          summary: "CORS preflight",
          responses: {
            "200": {
              description: "CORS preflight answer",
              headers: Object.fromEntries(
                [
                  "Access-Control-Allow-Origin",
                  "Access-Control-Allow-Methods",
                  "Access-Control-Allow-Headers",
                  "Access-Control-Max-Age",
                ].map((h) => [h, { schema: { type: "string" } }]),
              ),
            },
          },
          "x-amazon-apigateway-integration": {
            type: "mock",
            requestTemplates: { "application/json": '{"statusCode": 200}' },
            responses: {
              default: {
                statusCode: "200",
                responseParameters: {
                  "method.response.header.Access-Control-Allow-Origin": origin,
                  "method.response.header.Access-Control-Allow-Methods": `'${allowed}'`,
                  "method.response.header.Access-Control-Allow-Headers": `'${headers.join(",")}'`,
                  "method.response.header.Access-Control-Max-Age": `'${cors?.maxAgeSeconds ?? 300}'`,
                },
              },
            },
          },
        };
      }
      paths[path] = methods;
    }
    const securitySchemes =
      authorization === "AWS_IAM"
        ? {
            sigv4: {
              type: "apiKey",
              name: "Authorization",
              in: "header",
              "x-amazon-apigateway-authtype": "awsSigv4",
            },
          }
        : undefined;
    const components = { ...(doc.components ?? {}) } as Record<string, unknown>;
    if (securitySchemes) {
      components.securitySchemes = { ...((components.securitySchemes as object) ?? {}), ...securitySchemes };
    }
    return {
      ...doc,
      paths,
      ...(Object.keys(components).length ? { components } : {}),
      // Errors API Gateway itself answers (throttling, auth, 5xx) carry the CORS origin too,
      // so a browser sees the real status instead of a CORS failure.
      ...(origin
        ? {
            "x-amazon-apigateway-gateway-responses": {
              DEFAULT_4XX: { responseParameters: { "gatewayresponse.header.Access-Control-Allow-Origin": origin } },
              DEFAULT_5XX: { responseParameters: { "gatewayresponse.header.Access-Control-Allow-Origin": origin } },
            },
          }
        : {}),
    };
  }

  /** The region's API Gateway account setting: the role API Gateway pushes CloudWatch logs with. */
  private accountSetting(roleName: string): ApiGatewayAccount {
    const partition = new DataAwsPartition(this, "Partition", {}).partition;
    const region = new DataAwsRegion(this, "Region", {}).region;
    const account = new DataAwsCallerIdentity(this, "CallerIdentity", {}).accountId;
    const role = new Role(this, "AccountLogsRole", {
      roleName: fitName(roleName, NAME_LIMITS.iamRole),
      description: "API Gateway (this account and region) writes access and execution logs",
      assumedBy: { service: "apigateway.amazonaws.com" },
    });
    // The account setting serves every API of the region, so the role covers the region's log groups.
    role.addToPolicy({
      sid: "WriteApiGatewayLogs",
      actions: [
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:DescribeLogStreams",
        "logs:FilterLogEvents",
        "logs:GetLogEvents",
        "logs:PutLogEvents",
      ],
      resources: [`arn:${partition}:logs:${region}:${account}:log-group:*`],
    });
    role.addToPolicy({
      sid: "DescribeLogGroups",
      actions: ["logs:DescribeLogGroups"],
      resources: ["*"],
      wildcardReason: "logs:DescribeLogGroups supports no resource-level permissions",
    });
    return new ApiGatewayAccount(this, "AccountSetting", {
      cloudwatchRoleArn: role.arn,
      dependsOn: role.policyDependable ? [role.policyDependable] : [],
    });
  }
}
