#!/usr/bin/env bash
# Runs every test of the repository. Works on a fresh machine: it installs what the tests need
# (nats-server, through apt-get, where it is missing), builds the solution and runs all test projects.
# Prints a closing line "N passed, N failed, N skipped" and exits non-zero when a test fails.
set -euo pipefail
cd "$(dirname "$0")/.."

# What the tests need beyond the .NET SDK: nats-server (the NATS transport's tests run against a real
# server), node with npm (the serializer's bytes are decoded by an independent MessagePack library) and
# chromium (the dashboard's tests run in a real browser).
missing=()
command -v nats-server >/dev/null 2>&1 || missing+=(nats-server)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
# The dashboard's browser tests drive the system Chromium (no browser download at test time).
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]} with apt-get..."
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
log=$(mktemp)
trap 'rm -f "$log"' EXIT

status=0
dotnet build FlowSdk.sln -c Release -nologo -clp:ErrorsOnly || exit $?
# One test assembly at a time (-m:1): on two cores the suite is no slower, and test hosts that start
# servers, processes and builds of their own do not compete with each other. A test that hangs fails
# the run after ten minutes instead of holding it.
dotnet test FlowSdk.sln -c Release --no-build -nologo -m:1 --blame-hang-timeout 10m --blame-hang-dump-type none 2>&1 | tee "$log" || status=$?

# One closing line for the whole suite, summed over the test assemblies.
awk '
  /(Passed|Failed)! +- +Failed: +[0-9]+, +Passed: +[0-9]+, +Skipped: +[0-9]+/ {
    for (i = 1; i <= NF; i++) {
      if ($i == "Failed:")  { gsub(",", "", $(i+1)); f += $(i+1) }
      if ($i == "Passed:")  { gsub(",", "", $(i+1)); p += $(i+1) }
      if ($i == "Skipped:") { gsub(",", "", $(i+1)); s += $(i+1) }
    }
  }
  END { printf "%d passed, %d failed, %d skipped\n", p, f, s }
' "$log"
exit $status
