#!/usr/bin/env bash
# Runs the benchmarks of tests/FlowSdk.Benchmarks (docs/benchmarks.md) and writes
# artifacts/bench/summary.json and artifacts/bench/summary.md (the table for docs/benchmarks.md),
# with BenchmarkDotNet's own reports under artifacts/bench/bdn.
#
#   build/bench.sh            the full run (about 5 minutes on 2 cores)
#   build/bench.sh --quick    fewer iterations, for a check (under 3 minutes)
#
# Any other argument goes to the benchmark program, for example --only dispatch,firing
# (parts: dispatch, firing, serializers, firstcall, generator).
set -euo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
artifacts="$PWD/artifacts/bench"
mkdir -p "$artifacts"

# BenchmarkDotNet needs an optimized build.
dotnet build tests/FlowSdk.Benchmarks/FlowSdk.Benchmarks.csproj -c Release -nologo -clp:ErrorsOnly
dotnet tests/FlowSdk.Benchmarks/bin/Release/net10.0/FlowSdk.Benchmarks.dll --artifacts "$artifacts" "$@"
