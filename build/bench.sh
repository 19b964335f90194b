#!/usr/bin/env bash
# Runs the benchmarks of tests/FlowSdk.Benchmarks (docs/benchmarks.md) and writes
# artifacts/bench/summary.json and artifacts/bench/summary.md (the table for docs/benchmarks.md),
# with BenchmarkDotNet's own reports under artifacts/bench/bdn.
#
#   build/bench.sh            the full run (under 25 minutes on 2 cores)
#   build/bench.sh --quick    fewer iterations and rounds, for a check (under 3 minutes)
#
# Any other argument goes to the benchmark program, for example --only dispatch,firing
# (parts: dispatch, firing, serializers, firstcall, generator, sqlite, dashboard, scale, lifecycle, nats, buildcost).
#
# The nats and scale parts start their own nats-server (JetStream, a free loopback port, a temporary store
# directory) and kills it on every exit path; it is installed with apt-get where it is missing.
# The buildcost part runs `dotnet build` of a generated 100-rule project with and without the
# FlowSdk generator and analyzers, in a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
artifacts="$PWD/artifacts/bench"
mkdir -p "$artifacts"

# Is the nats part selected? (No --only, or --only naming it.)
only=""
previous=""
for argument in "$@"; do
  [ "$previous" = "--only" ] && only="$argument"
  previous="$argument"
done
case ",$only," in
  ,,|*,nats,*|*,scale,*) wants_nats=1 ;;
  *) wants_nats=0 ;;
esac
if [ "$wants_nats" = 1 ] && ! command -v nats-server >/dev/null 2>&1 && [ ! -x /usr/sbin/nats-server ] && [ ! -x /usr/bin/nats-server ]; then
  echo "Installing nats-server with apt-get (the nats part runs a real server)..."
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nats-server >/dev/null
fi

# The benchmark program kills its nats-server itself (dispose, process exit, signals); should the
# program be killed outright, the server it started is killed here, by the id it recorded.
pidfile="$artifacts/nats-server.pid"
rm -f "$pidfile"
cleanup() {
  if [ -s "$pidfile" ]; then
    kill "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
  fi
}
trap cleanup EXIT INT TERM HUP

# BenchmarkDotNet needs an optimized build.
dotnet build tests/FlowSdk.Benchmarks/FlowSdk.Benchmarks.csproj -c Release -nologo -clp:ErrorsOnly
dotnet tests/FlowSdk.Benchmarks/bin/Release/net10.0/FlowSdk.Benchmarks.dll --artifacts "$artifacts" "$@"
