import { LambdaFunction } from "../../constructs/function";
import {
  lambdaInvokeTask,
  StateMachine,
  snsPublishTask,
  TASK_GRANT,
  validateDefinition,
} from "../../constructs/state-machine";
import { Topic } from "../../constructs/topic";
import { imageCode, newStack, statementsOf } from "../support/constructs";
import { toJson } from "../support/synth";

describe("StateMachine", () => {
  test("validation finds unknown targets, unreachable states and missing ends", () => {
    expect(
      validateDefinition({
        StartAt: "A",
        TimeoutSeconds: 60,
        States: { A: { Type: "Wait", Seconds: 1, Next: "Nowhere" }, B: { Type: "Wait", Seconds: 1, Next: "A" } },
      }),
    ).toEqual(['state "A" goes to unknown state "Nowhere"', "no state ends the execution", 'state "B" is unreachable']);
  });

  test("the role may invoke exactly the functions the definition names", () => {
    const stack = newStack();
    const fn = new LambdaFunction(stack, "Check", { functionName: "check", code: imageCode });
    new LambdaFunction(stack, "Other", { functionName: "other", code: imageCode });
    new StateMachine(stack, "Sm", {
      stateMachineName: "sm",
      definition: {
        StartAt: "Run",
        TimeoutSeconds: 60,
        States: { Run: lambdaInvokeTask(fn, { next: "Done" }), Done: { Type: "Succeed" } },
      },
    });
    const statements = statementsOf(toJson(stack), "Sm_Role");
    const invokes = statements.filter((s: { actions: string[] }) => s.actions.includes("lambda:InvokeFunction"));
    expect(invokes).toHaveLength(1);
    expect(invokes[0].resources.join(" ")).toMatch(/Check_\w+\.arn/);
    expect(invokes[0].resources.join(" ")).not.toMatch(/Other_/);
  });

  test("a Lambda task carries its invoke grant; a task state without one is refused, naming it", () => {
    const task = lambdaInvokeTask(new LambdaFunction(newStack(), "F", { functionName: "f", code: imageCode }));
    expect(task[TASK_GRANT]).toBeInstanceOf(Function);
    expect(JSON.stringify(task)).not.toContain("grant"); // the definition stays pure ASL
    expect(
      () =>
        new StateMachine(newStack(), "Sm", {
          stateMachineName: "sm",
          definition: {
            StartAt: "Raw",
            TimeoutSeconds: 60,
            States: { Raw: { Type: "Task", Resource: "arn:aws:states:::lambda:invoke", End: true } },
          },
        }),
    ).toThrow(/test\/Sm: task state\(s\) Raw carry no grant, so the role could not call them/);
  });

  test("refuses an invalid definition naming the construct", () => {
    expect(
      () =>
        new StateMachine(newStack(), "Sm", {
          stateMachineName: "sm",
          definition: { StartAt: "Missing", TimeoutSeconds: 60, States: { Done: { Type: "Succeed" } } },
        }),
    ).toThrow(/test\/Sm: invalid state machine definition: StartAt "Missing" is not a state/);
  });

  test("Parallel states: branches are validated as machines of their own; Next or End is required", () => {
    const branch = { StartAt: "X", States: { X: { Type: "Wait" as const, Seconds: 1, Next: "Y" } } };
    expect(
      validateDefinition({
        StartAt: "P",
        TimeoutSeconds: 60,
        States: { P: { Type: "Parallel", Branches: [branch] }, Done: { Type: "Succeed" } },
      }),
    ).toEqual([
      'parallel "P" needs exactly one of Next or End',
      'parallel "P" branch 0: state "X" goes to unknown state "Y"',
      'parallel "P" branch 0: no state ends the execution',
      'state "Done" is unreachable',
    ]);
  });

  test("an SNS publish task carries its grant: the role may publish to exactly that topic; the ASL has no trace of it", () => {
    const stack = newStack();
    const alerts = new Topic(stack, "Alerts", { topicName: "alerts" });
    new Topic(stack, "Other", { topicName: "other" });
    const task = snsPublishTask(alerts, { subject: "Failed", messagePath: "States.JsonToString($)" });
    expect(typeof task[TASK_GRANT]).toBe("function");
    expect(() => snsPublishTask(alerts, {})).toThrow(/exactly one of message and messagePath/);
    expect(() => snsPublishTask(alerts, { message: "m", subject: "x".repeat(101) })).toThrow(/1-100 printable ASCII/);
    const sm = new StateMachine(stack, "Sm", {
      stateMachineName: "sm",
      definition: {
        StartAt: "Both",
        TimeoutSeconds: 60,
        States: {
          Both: {
            Type: "Parallel",
            Branches: [{ StartAt: "Tell", States: { Tell: task } }],
            End: true,
          },
        },
      },
    });
    const definition = JSON.parse(sm.definitionJson);
    expect(definition.States.Both.Branches[0].States.Tell).toEqual({
      Type: "Task",
      Resource: "arn:aws:states:::sns:publish",
      Parameters: {
        TopicArn: alerts.topicArn,
        Subject: "Failed",
        "Message.$": "States.JsonToString($)",
      },
      ResultPath: null,
      Retry: [expect.objectContaining({ ErrorEquals: expect.arrayContaining(["SNS.ThrottledException"]) })],
      End: true,
    });
    const publish = statementsOf(toJson(stack), "Sm_Role").filter((s) => s.actions.includes("sns:Publish"));
    expect(publish).toEqual([
      expect.objectContaining({ resources: [expect.stringMatching(/^\$\{aws_sns_topic\.Alerts_\w+\.arn\}$/)] }),
    ]);
  });
});
