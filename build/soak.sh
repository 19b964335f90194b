#!/usr/bin/env bash
# Soak run of the phase-gated crash-test flow (tests/FlowSdk.CrashHost) on real nats-server
# processes: starts the servers and N host processes, publishes EXECUTIONS x 5 steps, waits until
# every execution completed and prints throughput, latency p50/p99, lost/double-applied/duplicate
# outputs, conflicts, redeliveries recognised, handling retries, parked and dead-lettered counts.
#
#   build/soak.sh [--cluster] [EXECUTIONS=2000] [HOSTS=2] [KILL_EVERY=0]
#   build/soak.sh --timeline [FIRINGS=100000]
#
# One server (default): every KILL_EVERY seconds (0: never) the oldest host is killed with SIGKILL
# and a new one started.
# --cluster: a three-node JetStream cluster, the stream and the state bucket with replicas 3, hosts
# given every node's URL. Every KILL_EVERY seconds (0: never) the next node in turn (n1, n2, n3,
# n1, ...) is killed with SIGKILL and restarted KILL_EVERY/2 seconds later; two of three keep the
# quorum throughout.
#
# --timeline: one execution fired FIRINGS times on a nats-server whose state bucket allows 32 KiB per
# value (TimelineOnNatsTests, which runs 20,000 in the normal test run): its bounded timeline keeps
# the value small and every write succeeds; prints the time taken and the value sizes.
set -euo pipefail
if [ "${1:-}" = "--timeline" ]; then
  cd "$(dirname "$0")/.."
  dotnet build tests/FlowSdk.Nats.Tests -c Release -nologo -clp:ErrorsOnly
  FLOWSDK_TIMELINE_FIRINGS=${2:-100000} dotnet test tests/FlowSdk.Nats.Tests -c Release --no-build \
    --filter "FullyQualifiedName~TimelineOnNatsTests" --logger "console;verbosity=detailed"
  exit
fi
CLUSTER=0
if [ "${1:-}" = "--cluster" ]; then CLUSTER=1; shift; fi
EXECUTIONS=${1:-2000}
HOSTS=${2:-2}
KILL_EVERY=${3:-0}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/flowsdk-soak.XXXXXX)
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
command -v nats-server >/dev/null || [ -x /usr/sbin/nats-server ] || { echo "nats-server is not installed (apt-get install -y nats-server)"; exit 2; }
NATS_SERVER=$(command -v nats-server || echo /usr/sbin/nats-server)

dotnet build "$ROOT/tests/FlowSdk.CrashHost/FlowSdk.CrashHost.csproj" -c Release -v q -nologo >/dev/null
HOST="$ROOT/tests/FlowSdk.CrashHost/bin/Release/net10.0/FlowSdk.CrashHost.dll"

# Every process this script starts is listed in $WORK/pids (one "role pid" a line), so the killer
# loop and the cleanup see the hosts and nodes started in subshells too.
touch "$WORK/pids"
cleanup() {
  touch "$WORK/done"
  while read -r _ pid; do kill -9 "$pid" 2>/dev/null || true; done <"$WORK/pids"
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

if [ "$CLUSTER" = 1 ]; then
  NODES=3
  export CRASH_REPLICAS=3
else
  NODES=1
fi
CLIENT_PORTS=(); ROUTE_PORTS=()
for i in $(seq 0 $((NODES - 1))); do CLIENT_PORTS+=("$(free_port)"); ROUTE_PORTS+=("$(free_port)"); done
URL=$(for p in "${CLIENT_PORTS[@]}"; do printf 'nats://127.0.0.1:%s,' "$p"; done); URL=${URL%,}

# start_node INDEX: nats-server with JetStream on its own store (kept across restarts).
start_node() {
  local i=$1 log="$WORK/node-$1.log" args=(-js -a 127.0.0.1 -p "${CLIENT_PORTS[$1]}" -sd "$WORK/store-$1")
  if [ "$CLUSTER" = 1 ]; then
    local routes=""
    for j in $(seq 0 $((NODES - 1))); do [ "$j" = "$i" ] || routes+="nats://127.0.0.1:${ROUTE_PORTS[$j]},"; done
    args+=(--server_name "n$((i + 1))" --cluster_name flowsdk-soak --cluster "nats://127.0.0.1:${ROUTE_PORTS[$i]}" --routes "${routes%,}")
  fi
  : >"$log"
  "$NATS_SERVER" "${args[@]}" >>"$log" 2>&1 &
  echo "node-$i $!" >>"$WORK/pids"
  disown "$!"
  for _ in $(seq 100); do grep -q "Server is ready" "$log" && return; sleep 0.1; done
  echo "node $i did not start"; cat "$log"; exit 1
}
node_pid() { grep "^node-$1 " "$WORK/pids" | tail -1 | cut -d' ' -f2; }
for i in $(seq 0 $((NODES - 1))); do start_node "$i"; done
if [ "$CLUSTER" = 1 ]; then
  # JetStream answers once the cluster elected its metadata leader.
  for _ in $(seq 300); do grep -q "metadata leader" "$WORK"/node-*.log && break; sleep 0.1; done
fi

HOST_COUNT=0
start_host() {
  HOST_COUNT=$((HOST_COUNT + 1))
  local log="$WORK/host-$HOST_COUNT.log"
  dotnet "$HOST" host "$URL" 2 >"$log" 2>&1 &
  echo "host $!" >>"$WORK/pids"
  disown "$!"
  for _ in $(seq 300); do grep -q '^ready' "$log" && return; sleep 0.1; done
  echo "host $HOST_COUNT did not start"; cat "$log"; exit 1
}
for _ in $(seq "$HOSTS"); do start_host; done

# The killer runs until the run is verified; it records each kill in $WORK/kills.
killer() {
  local turn=0
  while [ ! -e "$WORK/done" ]; do
    sleep "$KILL_EVERY"
    [ -e "$WORK/done" ] && return
    if [ "$CLUSTER" = 1 ]; then
      local i=$((turn % NODES))
      local pid
      pid=$(node_pid "$i")
      kill -9 "$pid" 2>/dev/null || true
      echo "node n$((i + 1))" >>"$WORK/kills"
      sleep "$(python3 -c "print($KILL_EVERY / 2)")"
      start_node "$i"
    else
      local victim
      victim=$(grep '^host ' "$WORK/pids" | while read -r _ pid; do kill -0 "$pid" 2>/dev/null && echo "$pid"; done | head -1)
      [ -n "$victim" ] && kill -9 "$victim" 2>/dev/null || true
      echo "host $victim" >>"$WORK/kills"
      start_host
    fi
    turn=$((turn + 1))
  done
}

START=$(date +%s.%N)
dotnet "$HOST" publish "$URL" "$EXECUTIONS" >/dev/null &
PUBLISHER=$!
if [ "$KILL_EVERY" != "0" ]; then killer & echo "killer $!" >>"$WORK/pids"; fi
wait "$PUBLISHER"
RESULT=$(dotnet "$HOST" verify "$URL" "$EXECUTIONS" 600 | grep '^result ' | cut -d' ' -f2-)
END=$(date +%s.%N)
touch "$WORK/done"
wait_for_stats() {
  # SIGTERM makes a host print its counters as JSON ("stats ..."); hosts killed with SIGKILL print none.
  while read -r role pid; do
    [ "$role" = host ] && kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null || true
  done <"$WORK/pids"
  for _ in $(seq 100); do
    local alive=0
    while read -r role pid; do [ "$role" = host ] && kill -0 "$pid" 2>/dev/null && alive=1; done <"$WORK/pids"
    [ "$alive" = 0 ] && return; sleep 0.1
  done
}
wait_for_stats
KILLS=0; [ -f "$WORK/kills" ] && KILLS=$(wc -l <"$WORK/kills")
STATS=$(cat "$WORK"/host-*.log | grep '^stats ' | cut -d' ' -f2- || true)
python3 - "$RESULT" "$START" "$END" "$EXECUTIONS" "$CLUSTER" "$KILLS" <<'PY' $STATS
import json, sys
result = json.loads(sys.argv[1]); start, end, n = float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
cluster, kills = sys.argv[5] == "1", int(sys.argv[6])
totals = {}
for line in sys.argv[7:]:
    for k, v in json.loads(line).items():
        totals[k] = totals.get(k, 0) + v
steps = n * 5
print(("three-node cluster, replicas 3, %d node kills" if cluster else "one server, %d host kills") % kills)
print(f"executions {n}, steps {steps}, completed {result['completed']}, stuck {result['stuck']}")
print(f"throughput {steps / max(end - start, 1e-9):.0f} steps/s (wall clock, publish to verified)")
print(f"latency p50 {result['latencyP50Ms']} ms, p99 {result['latencyP99Ms']} ms (publish to output stored)")
print(f"lost {result['lostSteps']}, double-applied {result['doubleApplied']}, out of order {result['outOfOrder']}, duplicate outputs {result['duplicateOutputs']}, missing outputs {result['missingOutputs']}, dead letters {result['deadLetters']}")
print(f"conflicts {totals.get('flowsdk.state.conflicts', 0)}, redeliveries recognised as duplicates {totals.get('flowsdk.messages.duplicates', 0)}, "
      f"parked {totals.get('flowsdk.messages.unmatched.parked', 0)}, parked applied {totals.get('flowsdk.messages.unmatched.applied', 0)}, "
      f"dead-lettered by the runtime {totals.get('flowsdk.messages.unmatched.dead_lettered', 0) + totals.get('flowsdk.messages.unmatched.expired', 0)}")
print(f"transient retries {totals.get('flowsdk.events.transient_retries', 0)}, handling retries in place {totals.get('flowsdk.events.retries', 0)}, "
      f"events given back {totals.get('flowsdk.events.failed', 0)} (counters of the hosts that were stopped, not killed)")
PY
