// Creating orders through the real process_webhook handler, and observing what the
// orchestrator sent out (the emulator accepts Lambda invokes and CodeBuild builds but runs
// neither, so the calls are observed on their way to it with pass-through spies).
import { randomUUID } from "node:crypto";
import { CodeBuildClient, StartBuildCommand } from "@aws-sdk/client-codebuild";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import type { S3Event } from "aws-lambda";
import { handler as webhook } from "../../../../lambdas/iac-ci/process_webhook";
import { webhookEvent } from "./http";
import type { Platform } from "./platform";

export async function submitOrder(p: Platform, body: Record<string, unknown>): Promise<string> {
  const res = await webhook(webhookEvent(body, { secret: p.secret, deliveryId: randomUUID() }));
  if (res.statusCode !== 202) throw new Error(`webhook answered ${res.statusCode}: ${res.body}`);
  return (JSON.parse(res.body ?? "{}") as { order_id: string }).order_id;
}

export interface Dispatches {
  /** Worker events the orchestrator invoked the worker with, by order id. */
  worker(orderId: string): { functionName?: string; type?: string; event: WorkerEventLike }[];
  /** StartBuild inputs, by order id. */
  builds(orderId: string): StartBuildCommand["input"][];
  restore(): void;
}

export interface WorkerEventLike {
  orderId: string;
  payloadKey: string;
  callbackUrl: string;
  deadline: number;
}

export function observeDispatches(): Dispatches {
  const lambdaSpy = jest.spyOn(LambdaClient.prototype, "send");
  const codebuildSpy = jest.spyOn(CodeBuildClient.prototype, "send");
  const invokes = () =>
    lambdaSpy.mock.calls
      .map(([command]) => command as unknown)
      .filter((c): c is InvokeCommand => c instanceof InvokeCommand)
      .map((c) => ({
        functionName: c.input.FunctionName,
        type: c.input.InvocationType,
        payload: JSON.parse(Buffer.from(c.input.Payload as Uint8Array).toString("utf8")) as Record<string, unknown>,
      }));
  return {
    worker: (orderId) =>
      invokes()
        .filter((i) => i.payload.callbackUrl !== undefined && i.payload.orderId === orderId)
        .map((i) => ({ functionName: i.functionName, type: i.type, event: i.payload as unknown as WorkerEventLike })),
    builds: (orderId) =>
      codebuildSpy.mock.calls
        .map(([command]) => command as unknown)
        .filter((c): c is StartBuildCommand => c instanceof StartBuildCommand)
        .map((c) => c.input)
        .filter((input) => input.idempotencyToken === orderId),
    restore: () => {
      lambdaSpy.mockRestore();
      codebuildSpy.mockRestore();
    },
  };
}

/** The S3 notification the internal bucket sends the orchestrator for a new object. */
export function objectCreated(bucket: string, key: string): S3Event {
  return {
    Records: [
      {
        eventVersion: "2.1",
        eventSource: "aws:s3",
        awsRegion: "us-east-1",
        eventTime: new Date().toISOString(),
        eventName: "ObjectCreated:Put",
        userIdentity: { principalId: "AWS:TEST" },
        requestParameters: { sourceIPAddress: "192.0.2.1" },
        responseElements: { "x-amz-request-id": "TEST", "x-amz-id-2": "TEST" },
        s3: {
          s3SchemaVersion: "1.0",
          configurationId: "orchestrator-on-result-json",
          bucket: { name: bucket, ownerIdentity: { principalId: "TEST" }, arn: `arn:aws:s3:::${bucket}` },
          // Keys arrive URL-encoded in notifications.
          object: { key: encodeURIComponent(key).replace(/%2F/g, "/"), size: 1, eTag: "0", sequencer: "0" },
        },
      },
    ],
  };
}
