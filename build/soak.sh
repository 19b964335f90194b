#!/usr/bin/env bash
# Soak run of the phase-gated crash-test flow on a real nats-server: starts a server and N host
# processes (tests/FlowSdk.CrashHost), publishes EXECUTIONS x 5 steps, optionally kills a host with
# SIGKILL every KILL_EVERY seconds (and starts a new one), waits until every execution completed and
# prints throughput, latency p50/p99, conflicts, redeliveries, parked and dead-lettered counts.
#
#   build/soak.sh [EXECUTIONS=2000] [HOSTS=2] [KILL_EVERY=0]
set -euo pipefail
EXECUTIONS=${1:-2000}
HOSTS=${2:-2}
KILL_EVERY=${3:-0}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/flowsdk-soak.XXXXXX)
PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
URL=nats://127.0.0.1:$PORT
command -v nats-server >/dev/null || [ -x /usr/sbin/nats-server ] || { echo "nats-server is not installed (apt-get install -y nats-server)"; exit 2; }
NATS_SERVER=$(command -v nats-server || echo /usr/sbin/nats-server)

dotnet build "$ROOT/tests/FlowSdk.CrashHost/FlowSdk.CrashHost.csproj" -c Release -v q -nologo >/dev/null
HOST="$ROOT/tests/FlowSdk.CrashHost/bin/Release/net10.0/FlowSdk.CrashHost.dll"

"$NATS_SERVER" -js -a 127.0.0.1 -p "$PORT" -sd "$WORK/store" >"$WORK/server.log" 2>&1 &
SERVER=$!
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  kill "$SERVER" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
for _ in $(seq 50); do grep -q "Server is ready" "$WORK/server.log" && break; sleep 0.1; done

start_host() {
  local log="$WORK/host-$1.log"
  dotnet "$HOST" host "$URL" 2 >"$log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 200); do grep -q ready "$log" && return; sleep 0.1; done
  echo "host $1 did not start"; cat "$log"; exit 1
}
for h in $(seq "$HOSTS"); do start_host "$h"; done

START=$(date +%s.%N)
dotnet "$HOST" publish "$URL" "$EXECUTIONS" >/dev/null &
PUBLISHER=$!
KILLS=0
if [ "$KILL_EVERY" != "0" ]; then
  (
    n=$HOSTS
    while kill -0 "$PUBLISHER" 2>/dev/null || true; do
      sleep "$KILL_EVERY"
      victim=${PIDS[0]}; kill -9 "$victim" 2>/dev/null || break
      n=$((n + 1)); dotnet "$HOST" host "$URL" 2 >"$WORK/host-$n.log" 2>&1 &
      break
    done
  ) &
fi
wait "$PUBLISHER"
RESULT=$(dotnet "$HOST" verify "$URL" "$EXECUTIONS" 600 | grep '^result ' | cut -d' ' -f2-)
END=$(date +%s.%N)
for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
sleep 2
STATS=$(cat "$WORK"/host-*.log | grep '^stats ' | cut -d' ' -f2- || true)
python3 - "$RESULT" "$START" "$END" "$EXECUTIONS" <<'PY' $STATS
import json, sys
result = json.loads(sys.argv[1]); start, end, n = float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
totals = {}
for line in sys.argv[5:]:
    for k, v in json.loads(line).items():
        totals[k] = totals.get(k, 0) + v
steps = n * 5
secs = result["completedAfterMs"] / 1000 + 0.0
print(f"executions {n}, steps {steps}, completed {result['completed']}, stuck {result['stuck']}")
print(f"throughput {steps / max(end - start, 1e-9):.0f} steps/s (wall clock, publish to verified)")
print(f"latency p50 {result['latencyP50Ms']} ms, p99 {result['latencyP99Ms']} ms (publish to output stored)")
print(f"lost {result['lostSteps']}, double-applied {result['doubleApplied']}, duplicate outputs {result['duplicateOutputs']}, dead letters {result['deadLetters']}")
print(f"conflicts {totals.get('flowsdk.state.conflicts', 0)}, duplicates (redeliveries recognised) {totals.get('flowsdk.messages.duplicates', 0)}, "
      f"parked {totals.get('flowsdk.messages.unmatched.parked', 0)}, parked applied {totals.get('flowsdk.messages.unmatched.applied', 0)}, "
      f"transient retries {totals.get('flowsdk.events.transient_retries', 0)}, failed events {totals.get('flowsdk.events.failed', 0)}")
PY
