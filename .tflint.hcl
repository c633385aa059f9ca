# tflint over the synthesized stacks (scripts/tflint.js, run by `npm test`): the terraform
# ruleset bundled in tflint (no plugin download, no `tflint --init`), "recommended" preset.
config {
  # The stacks call no modules; nothing to fetch or inspect.
  call_module_type = "none"
}

plugin "terraform" {
  enabled = true
  preset  = "recommended"
}
