// The comparison of scripts/cdktn-check.js: every difference is found and listed, and only
// the ones EXPLAINED gives a reason for are accepted.

interface Diff {
  path: string;
  a: unknown;
  b: unknown;
}
const { diffJson, classify } = require("../../scripts/cdktn-check.js") as {
  diffJson: (a: unknown, b: unknown) => Diff[];
  classify: (diffs: Diff[]) => { ok: (Diff & { reason: string })[]; bad: Diff[] };
};

const stack = (version: string, extra: Record<string, unknown> = {}) => ({
  "//": { metadata: { backend: "s3", stackName: "01-ecr", version } },
  resource: {
    aws_ecr_repository: { Repo: { name: "iac-ci-dev", image_scanning_configuration: { scan_on_push: true } } },
  },
  terraform: { required_version: ">= 1.5", ...extra },
});

test("equal JSON has no differences", () => {
  expect(diffJson(stack("0.21.0"), stack("0.21.0"))).toEqual([]);
});

test("the library version in the metadata block is the one explained difference", () => {
  const { ok, bad } = classify(diffJson(stack("0.21.0"), stack("0.24.0")));
  expect(bad).toEqual([]);
  expect(ok).toHaveLength(1);
  expect(ok[0]).toMatchObject({ path: "//.metadata.version", a: "0.21.0", b: "0.24.0" });
  expect(ok[0].reason).toMatch(/Terraform ignores `\/\/` keys/);
});

test("any other difference is unexplained, with its path and both values", () => {
  const a = stack("0.21.0");
  const b = stack("0.21.0", { required_providers: { aws: { version: "~> 6.25" } } });
  (b.resource.aws_ecr_repository.Repo.image_scanning_configuration as { scan_on_push: boolean }).scan_on_push = false;
  const { ok, bad } = classify(diffJson(a, b));
  expect(ok).toEqual([]);
  expect(bad).toEqual([
    { path: "resource.aws_ecr_repository.Repo.image_scanning_configuration.scan_on_push", a: true, b: false },
    { path: "terraform.required_providers", a: undefined, b: { aws: { version: "~> 6.25" } } },
  ]);
});

test("arrays are compared element by element, order included", () => {
  expect(diffJson({ l: [1, 2, 3] }, { l: [1, 3] })).toEqual([
    { path: "l.[1]", a: 2, b: 3 },
    { path: "l.[2]", a: 3, b: undefined },
  ]);
});
