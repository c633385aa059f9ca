import { synthApp } from "../../support/synth";

// ARNs the stacks build take the partition from the aws_partition data source, so the systems
// deploy to aws-cn or aws-us-gov as they are. Two kinds of literal stay, each for its reason.
test("no stack writes a literal arn:aws: partition, but the two kinds that must be literal", () => {
  const { stacks, json } = synthApp({ PLATFORM_GITHUB_REPOSITORY: "acme/platform" });
  const literals = new Map<string, Set<string>>();
  for (const name of stacks.keys()) {
    const raw = json(name).raw;
    for (const [arn] of raw.matchAll(/arn:aws:[a-z0-9-]*:[^"\s]{0,40}/g)) {
      const kind = /^arn:aws:states:::/.test(arn)
        ? "Step Functions service integration"
        : name === "00-bootstrap"
          ? "GitHub deploy/plan role policy"
          : `other: ${arn}`;
      if (!literals.has(name)) literals.set(name, new Set());
      literals.get(name)?.add(kind);
    }
  }
  const kinds = new Set([...literals.values()].flatMap((s) => [...s]));
  // The state machines' Task resources (`arn:aws:states:::lambda:invoke`) are written in the
  // definition's ASL; the GitHub roles' policies are sized against IAM's 10,240-character limit
  // as literal text (docs/decisions.md). Anything else is a defect.
  expect([...kinds].sort()).toEqual(["GitHub deploy/plan role policy", "Step Functions service integration"]);
  expect(json("trip-assistant").raw).toContain("${data.aws_partition.Partition.partition}");
});
