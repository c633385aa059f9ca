import { LambdaFunction } from "../../constructs/function";
import { lambdaInvokeTask, StateMachine, validateDefinition } from "../../constructs/state-machine";
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
      invokes: [fn],
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

  test("refuses an invalid definition naming the construct", () => {
    expect(
      () =>
        new StateMachine(newStack(), "Sm", {
          stateMachineName: "sm",
          invokes: [],
          definition: { StartAt: "Missing", TimeoutSeconds: 60, States: { Done: { Type: "Succeed" } } },
        }),
    ).toThrow(/test\/Sm: invalid state machine definition: StartAt "Missing" is not a state/);
  });
});
