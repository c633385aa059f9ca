import { CodeBuildProject } from "../../constructs/codebuild-project";
import { LambdaFunction } from "../../constructs/function";
import { HttpApi } from "../../constructs/http-api";
import { Repository } from "../../constructs/repository";
import { imageCode, newStack } from "../support/constructs";
import { toJson } from "../support/synth";

describe("HttpApi, Repository, CodeBuildProject", () => {
  test("a route path must start with /", () => {
    const stack = newStack();
    const api = new HttpApi(stack, "Api", { apiName: "api" });
    const fn = new LambdaFunction(stack, "Fn", { functionName: "fn", code: imageCode });
    expect(() => api.addLambdaRoute({ method: "GET", path: "orders", fn })).toThrow(
      /route path "orders" must start with "\/"/,
    );
  });

  test("repository defaults to immutable tags and refuses invalid names", () => {
    const stack = newStack();
    new Repository(stack, "Repo", { repositoryName: "ok/name" });
    expect(Object.values(toJson(stack).resource.aws_ecr_repository)[0].image_tag_mutability).toBe("IMMUTABLE");
    expect(() => new Repository(newStack(), "Repo", { repositoryName: "Bad" })).toThrow(/repository name "Bad"/);
  });

  test("CodeBuild refuses an out-of-range timeout", () => {
    expect(
      () =>
        new CodeBuildProject(newStack(), "Cb", {
          projectName: "cb",
          imageUri: "x",
          repositoryArn: "arn:aws:ecr:us-east-1:123456789012:repository/x",
          buildspec: "version: 0.2",
          buildTimeoutMinutes: 1,
        }),
    ).toThrow(/buildTimeoutMinutes 1 must be from 5 to 2160/);
  });
});
