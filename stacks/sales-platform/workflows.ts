/**
 * The two state machines' definitions, built from typed states (constructs/state-machine.ts):
 * function ARNs and topic ARNs are substituted as Terraform references, every Lambda step
 * retries transient errors, and every error left after retries goes to an alert on the alerts
 * topic before the execution fails.
 */
import type { LambdaFunction } from "../../constructs/function";
import {
  type Catcher,
  lambdaInvokeTask,
  type Retrier,
  type StateMachineDefinition,
  snsPublishTask,
} from "../../constructs/state-machine";
import type { Topic } from "../../constructs/topic";
import { FUNCTIONS, type FunctionKey, UPLOAD_STATUS } from "../../lambdas/sales-platform/contract";

export const UPLOAD_EXECUTION_TIMEOUT_SECONDS = 900;
export const DAILY_EXECUTION_TIMEOUT_SECONDS = 1800;
export const ERROR_PATH = "$.error";
export const NOTIFY_FAILURE = "NotifyFailure";

/** Errors of a step that are worth trying again: timeouts and throttling of the services the handlers call. */
export const TRANSIENT_RETRY: Retrier = {
  ErrorEquals: [
    "States.Timeout",
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "SlowDown",
    "TimeoutError",
  ],
  IntervalSeconds: 3,
  MaxAttempts: 3,
  BackoffRate: 2,
  JitterStrategy: "FULL",
};
/** Every error left after retries goes to the alert, recorded at ERROR_PATH (the input stays for the message). */
export const CATCH_ALL: Catcher = { ErrorEquals: ["States.ALL"], Next: NOTIFY_FAILURE, ResultPath: ERROR_PATH };

type Functions = Record<FunctionKey, LambdaFunction>;

/** A Lambda step with the platform's retry and catch; its timeout is the function's plus a margin. */
function step(fns: Functions, key: FunctionKey, next?: string) {
  return lambdaInvokeTask(fns[key], {
    next,
    timeoutSeconds: FUNCTIONS[key].timeout + 30,
    retry: [TRANSIENT_RETRY],
    catch: [CATCH_ALL],
  });
}

/** The alert and the failure every caught error ends in. */
function failurePath(alerts: Topic, subject: string) {
  return {
    [NOTIFY_FAILURE]: snsPublishTask(alerts, {
      subject,
      messagePath: "States.JsonToString($)",
      next: "Failed",
    }),
    Failed: {
      Type: "Fail" as const,
      Comment: "The execution fails with the caught error's name and cause (after the alert).",
      ErrorPath: `${ERROR_PATH}.Error`,
      CausePath: `${ERROR_PATH}.Cause`,
    },
  };
}

/**
 * upload-processor: an S3 upload (from the EventBridge rule's input transformer) is validated;
 * a rejected file alerts and ends (the file was handled); a good one becomes metrics in the
 * table, and the last store of the day starts the daily analysis.
 */
export function uploadProcessorDefinition(fns: Functions, alerts: Topic): StateMachineDefinition {
  return {
    Comment:
      "Validate an uploaded store sales file, store its metrics, start the daily analysis when all stores are in.",
    StartAt: "ProcessUpload",
    TimeoutSeconds: UPLOAD_EXECUTION_TIMEOUT_SECONDS,
    States: {
      ProcessUpload: step(fns, "processUpload", "RouteUpload"),
      RouteUpload: {
        Type: "Choice",
        Choices: [
          { Variable: "$.status", StringEquals: UPLOAD_STATUS.rejected, Next: "NotifyRejected" },
          { Variable: "$.status", StringEquals: UPLOAD_STATUS.ignored, Next: "Ignored" },
        ],
        Default: "CalculateMetrics",
      },
      NotifyRejected: snsPublishTask(alerts, {
        subject: "Sales upload rejected",
        messagePath: "$.message",
        next: "Rejected",
        catch: [CATCH_ALL],
      }),
      Rejected: {
        Type: "Succeed",
        Comment: "The file is under the rejected prefix with its reasons; the alert went out.",
      },
      Ignored: { Type: "Succeed", Comment: "A folder marker: nothing to process." },
      CalculateMetrics: step(fns, "calculateMetrics", "WriteMetrics"),
      WriteMetrics: step(fns, "writeMetrics", "CheckAllStores"),
      CheckAllStores: step(fns, "checkAllStores", "Done"),
      Done: { Type: "Succeed" },
      ...failurePath(alerts, "Sales upload processing failed"),
    },
  };
}

/**
 * daily-analysis: the day's store summaries, then four analyses at once, recommendations
 * (Bedrock), the combined insights, the report (published to the daily reports topic by its
 * function) and the QuickSight export.
 */
export function dailyAnalysisDefinition(fns: Functions, alerts: Topic): StateMachineDefinition {
  const branch = (name: string, key: FunctionKey) => ({
    StartAt: name,
    States: {
      [name]: lambdaInvokeTask(fns[key], {
        timeoutSeconds: FUNCTIONS[key].timeout + 30,
        retry: [TRANSIENT_RETRY],
      }),
    },
  });
  return {
    Comment: "Analyse a day's sales across stores, recommend, report and export.",
    StartAt: "GetStoreSummaries",
    TimeoutSeconds: DAILY_EXECUTION_TIMEOUT_SECONDS,
    States: {
      GetStoreSummaries: step(fns, "getStoreSummaries", "Analyze"),
      Analyze: {
        Type: "Parallel",
        Comment: "Company, products, anomalies and trends at once; their results land in $.analysis.",
        Branches: [
          branch("CalcCompanyMetrics", "calcCompanyMetrics"),
          branch("CalcProductMetrics", "calcProductMetrics"),
          branch("DetectAnomalies", "detectAnomalies"),
          branch("AnalyzeTrends", "analyzeTrends"),
        ],
        ResultSelector: { "company.$": "$[0]", "products.$": "$[1]", "anomalies.$": "$[2]", "trends.$": "$[3]" },
        ResultPath: "$.analysis",
        Catch: [CATCH_ALL],
        Next: "GenerateRecommendations",
      },
      GenerateRecommendations: step(fns, "generateRecommendations", "CombineInsights"),
      CombineInsights: step(fns, "combineInsights", "GenerateReport"),
      GenerateReport: step(fns, "generateReport", "ExportToQuickSight"),
      ExportToQuickSight: step(fns, "exportToQuicksight", "Done"),
      Done: { Type: "Succeed" },
      ...failurePath(alerts, "Daily sales analysis failed"),
    },
  };
}
