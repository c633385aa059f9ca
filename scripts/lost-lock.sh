#!/usr/bin/env bash
# Sourced by scripts/deploy-local.sh (and tested by __tests__/toolchain/harness.test.ts).
# The local cloud sometimes loses the answer to a request it carried out (docs/emulator.md, the
# limits table). On the state lock's conditional write that is fatal: the lock is stored, the
# SDK's retry of the write conflicts with it, and Terraform reports a lock error naming a lock it
# took itself. Exactly that case (a lock taken by this user on this machine after the deploy
# began) is released with `terraform force-unlock`, as an operator would, said aloud, and the
# deploy runs once more. Any other lock error still fails.
own_orphaned_lock() { # own_orphaned_lock LOG STARTED_EPOCH: prints the lock ID
  local text id who created
  text="$(sed 's/\x1b\[[0-9;]*[A-Za-z]//g' "$1")"
  grep -q "Error acquiring the state lock" <<<"$text" || return 1
  id="$(grep -oE 'ID:[[:space:]]+[0-9a-f]{8}-[0-9a-f-]{27}' <<<"$text" | head -1 | awk '{print $2}')"
  who="$(grep -oE 'Who:[[:space:]]+[^[:space:]]+' <<<"$text" | head -1 | awk '{print $2}')"
  created="$(grep -oE 'Created:[[:space:]]+[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}' <<<"$text" | head -1 | awk '{print $2" "$3}')"
  [[ -n "$id" && -n "$created" && "$who" == "$(id -un)@$(hostname)" ]] || return 1
  (( $(date -u -d "$created UTC" +%s) >= $2 )) || return 1
  echo "$id"
}
