#!/usr/bin/env bash
# The local AWS emulator (moto's server) on a free loopback port.
#   scripts/emulator.sh start   start one unless one is running; prints its endpoint
#   scripts/emulator.sh stop    stop it and forget its state
#   scripts/emulator.sh status  print the endpoint of the running emulator, or fail
# EMULATOR_HOME (default <repo>/.emulator/default) holds its pid, endpoint and log, so test
# runs can use an emulator of their own beside a developer's.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/versions.sh
source "$ROOT/scripts/versions.sh"
HOME_DIR="${EMULATOR_HOME:-$ROOT/.emulator/default}"
MOTO_PYTHON="$TOOLCHAIN_HOME/venv-moto-$MOTO_VERSION/bin/python"

running() {
  [[ -f "$HOME_DIR/pid" && -f "$HOME_DIR/endpoint" ]] && kill -0 "$(cat "$HOME_DIR/pid")" 2>/dev/null
}
# The local cloud's own health answer: constant-time (moto's /moto-api/data.json serializes every
# resource, seconds once a few systems are deployed, which once made a busy emulator look dead).
alive() {
  running || return 1
  # Answered by this home's own server (its pid), not another one that took the port.
  curl -fs -m "${1:-10}" "$(cat "$HOME_DIR/endpoint")/_localcloud/health" 2>/dev/null |
    grep -q "\"pid\": *$(cat "$HOME_DIR/pid")[,}]"
}

start() {
  if alive; then cat "$HOME_DIR/endpoint"; return; fi
  if running; then
    # Never start a second one beside it: the stacks' state and endpoints live in this one.
    echo "emulator: pid $(cat "$HOME_DIR/pid") runs but does not answer at $(cat "$HOME_DIR/endpoint") within 10 s; log: $HOME_DIR/moto.log (npm stop to drop it)" >&2
    exit 1
  fi
  [[ -x "$MOTO_PYTHON" ]] || { echo "emulator: $MOTO_PYTHON missing; run scripts/toolchain.sh first" >&2; exit 1; }
  mkdir -p "$HOME_DIR"
  local port attempt
  # A free port is chosen, then bound by moto: another emulator starting at the same moment can
  # take it in between ("Address already in use"); then this one exits and a new port is tried.
  for attempt in 1 2 3; do
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
    # MOTO_LAMBDA_STUB_ECR: accept image URIs without an image in moto's own ECR (the local cloud
    # runs an image function's handler from the project's bundle, docs/emulator.md).
    # scripts/moto_server.py is moto's server with the localcloud package installed: the gaps the
    # provider hits filled, deployed functions run, IAM enforced (docs/emulator.md).
    # LOCALCLOUD_IAM=off / LOCALCLOUD_RUNTIME=off switch enforcement / the runtime off.
    LOCALCLOUD_HOME="$HOME_DIR" LOCALCLOUD_ENDPOINT="http://127.0.0.1:$port" LOCALCLOUD_NODE_HOME="$TOOLCHAIN_HOME" \
    MOTO_LAMBDA_STUB_ECR=TRUE MOTO_IAM_LOAD_MANAGED_POLICIES=true \
      nohup "$MOTO_PYTHON" "$ROOT/scripts/moto_server.py" -H 127.0.0.1 -p "$port" > "$HOME_DIR/moto.log" 2>&1 &
    echo $! > "$HOME_DIR/pid"
    echo "http://127.0.0.1:$port" > "$HOME_DIR/endpoint"
    for _ in $(seq 1 100); do
      if alive 2; then cat "$HOME_DIR/endpoint"; return; fi
      running || break
      sleep 0.2
    done
    running && break
    if ! grep -q "Address already in use" "$HOME_DIR/moto.log"; then break; fi
    echo "emulator: port $port was taken by another program before moto bound it; trying another (attempt $attempt)" >&2
  done
  echo "emulator: moto did not answer on port $port; log: $HOME_DIR/moto.log" >&2
  tail -20 "$HOME_DIR/moto.log" >&2 || true
  stop; exit 1
}

stop() {
  if [[ -f "$HOME_DIR/pid" ]]; then
    local pid; pid="$(cat "$HOME_DIR/pid")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$HOME_DIR/pid" "$HOME_DIR/endpoint"
  [[ "${EMULATOR_REMOVE_HOME:-0}" == 1 ]] && rm -rf "$HOME_DIR"
  return 0
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) alive && cat "$HOME_DIR/endpoint" ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
