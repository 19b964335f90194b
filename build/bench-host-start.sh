#!/usr/bin/env bash
# Start time of the generated Orders host, Native AOT against the JIT and against a hand-written Native
# AOT host of the same flows (tests/FlowSdk.Benchmarks.HandHost: FlowRuntime on the same local SQLite
# file, no hosting, command line, configuration or dependency injection): the `send` command, from
# process start to the first processed message (its first line of output, printed once the flow has
# handled the message) and to its exit; the hand-written host does the same work and prints its first
# line at the same point. Every run starts in an empty folder, so every run creates the database file
# `send` uses by default (flowsdk.db) and creates the execution: all runs do the same work. The native
# and hand-written hosts are also timed with --in-memory (no file). Builds the three into a temporary
# folder (never the repository's bin/ and obj/), then runs each N times (default 10), alternating,
# after one warm-up run each:
#
#   build/bench-host-start.sh [N]
#
# FLOWSDK_HOST_START_BUILDS=<folder> builds into that folder instead and keeps it; a later run with the
# same folder reuses the builds it finds there (delete the folder after changing the code).
#
# Needs the .NET SDK and gcc or clang (Native AOT links with them). Prints one line per host and mode:
# the mean and median of both times in milliseconds; then the native/JIT and native/hand-written
# ratios, the executables' sizes and the load average; and writes the figures to
# artifacts/bench/host-start.json, which the benchmark summary (tests/FlowSdk.Benchmarks) reads.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
runs="${1:-10}"
case "$runs" in ''|*[!0-9]*|0) echo "usage: $0 [runs]" >&2; exit 2 ;; esac
if [ -n "${FLOWSDK_HOST_START_BUILDS:-}" ]; then
  builds="$(mkdir -p "$FLOWSDK_HOST_START_BUILDS" && cd "$FLOWSDK_HOST_START_BUILDS" && pwd)"
else
  builds=""
fi
work="$(mktemp -d -t flowsdk-host-start-XXXXXX)"
trap 'rm -rf "$work"' EXIT
out="${builds:-$work}"

jit=(dotnet "$out/jit/bin/Orders/release/Orders.dll")
native=("$out/native/Orders")
hand=("$out/hand/HandHost")
full=("$out/full/HandHostFull")
if [ -f "${jit[1]}" ] && [ -x "${native[0]}" ] && [ -x "${hand[0]}" ] && [ -x "${full[0]}" ]; then
  echo "Reusing the builds in $out" >&2
else
  echo "Building the JIT host and publishing the native and hand-written native ones in $out ..." >&2
  dotnet build "$root/samples/Orders" -c Release --artifacts-path "$out/jit" -nologo -v q >&2
  dotnet publish "$root/samples/Orders" -c Release -p:NativeHost=true --artifacts-path "$out/aot" -o "$out/native" -nologo -v q >&2
  # The hand-written host treats every warning as an error, trim and AOT warnings included.
  dotnet publish "$root/tests/FlowSdk.Benchmarks.HandHost" -c Release --artifacts-path "$out/aot" -o "$out/hand" -nologo -v q >&2
  # The second baseline: the same hand-written send behind a hand-written command line that links the
  # generated host's features (generic host, dashboard on ASP.NET Core, NATS), FullHost.cs.
  dotnet publish "$root/tests/FlowSdk.Benchmarks.HandHost" -c Release -p:HandHostFeatures=true --artifacts-path "$out/aotfull" -o "$out/full" -nologo -v q >&2
fi
message='{"OrderId": "o-1", "Total": 42.5}'

# One run in a new empty folder: "<ms to the first line of output> <ms to exit>" (in microseconds).
# The generated hosts get the `send` command; the hand-written one reads only --in-memory and sends the
# same message, built in code. $mode is "" (the database file) or "--in-memory".
measure() {
  local start first end folder status
  folder="$(mktemp -d "$work/run-XXXXXX")"
  start=$(date +%s%N)
  first=$(cd "$folder" && { "$@" send orders.placed "$message" $mode || echo "exit $?" >&2; } | { IFS= read -r _; date +%s%N; cat > /dev/null; })
  end=$(date +%s%N)
  rm -rf "$folder"
  echo "$(( (first - start) / 1000 )) $(( (end - start) / 1000 ))"
}

# Mean and median (ms, one decimal) of the microsecond values in column $1 of the lines on stdin.
stats() {
  sort -n -k"$1","$1" | awk -v c="$1" '{ v[NR] = $c; s += $c } END {
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
    printf "%.1f %.1f\n", s / NR / 1000, m / 1000 }'
}

# The hand-written hosts must have handled the message, on the file and in memory (they exit 1 otherwise).
for mode in "" --in-memory; do
  for host in "${hand[0]}" "${full[0]}"; do
    check="$(mktemp -d "$work/check-XXXXXX")"
    (cd "$check" && "$host" send orders.placed "$message" $mode > /dev/null)
    rm -rf "$check"
  done
done

# Interleaved, one run of each, so all see the same load on a shared machine: the JIT, native and
# hand-written hosts on the database file, then the native and hand-written hosts in memory.
cases=(jit native hand full native_mem hand_mem full_mem)
run_case() {
  case "$1" in
    jit) mode="" measure "${jit[@]}" ;;
    native) mode="" measure "${native[@]}" ;;
    hand) mode="" measure "${hand[@]}" ;;
    full) mode="" measure "${full[@]}" ;;
    native_mem) mode=--in-memory measure "${native[@]}" ;;
    hand_mem) mode=--in-memory measure "${hand[@]}" ;;
    full_mem) mode=--in-memory measure "${full[@]}" ;;
  esac
}
for c in "${cases[@]}"; do run_case "$c" > /dev/null; done
for _ in $(seq "$runs"); do
  for c in "${cases[@]}"; do run_case "$c" >> "$work/$c.txt"; done
done

declare -A first_mean first_median exit_mean exit_median
for c in "${cases[@]}"; do
  read -r first_mean[$c] first_median[$c] < <(stats 1 < "$work/$c.txt")
  read -r exit_mean[$c] exit_median[$c] < <(stats 2 < "$work/$c.txt")
  printf '%-10s first processed message: mean %6.1f ms, median %6.1f ms | exit: mean %6.1f ms, median %6.1f ms (%d runs)\n' \
    "$c" "${first_mean[$c]}" "${first_median[$c]}" "${exit_mean[$c]}" "${exit_median[$c]}" "$runs"
done

# Ratio of case $1 to case $2: first processed message and exit, means and medians.
ratio() {
  awk -v label="$3" -v a="${first_mean[$1]}" -v b="${first_mean[$2]}" -v c="${exit_mean[$1]}" -v d="${exit_mean[$2]}" \
    -v e="${first_median[$1]}" -v f="${first_median[$2]}" -v g="${exit_median[$1]}" -v h="${exit_median[$2]}" \
    'BEGIN { printf "%s: first processed message %.2f (means), %.2f (medians); exit %.2f (means), %.2f (medians)\n", label, a / b, e / f, c / d, g / h }'
}
ratio native jit "native/JIT, database file"
ratio native hand "native/hand-written native, database file (goal <= 1.2)"
ratio native_mem hand_mem "native/hand-written native, --in-memory"
ratio native full "native/hand-written native with the same features, database file"
ratio native_mem full_mem "native/hand-written native with the same features, --in-memory"
native_bytes="$(stat -c %s "${native[0]}")"
hand_bytes="$(stat -c %s "${hand[0]}")"
full_bytes="$(stat -c %s "${full[0]}")"
load="$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'native executable: %s bytes, hand-written native executable: %s bytes, with the same features: %s bytes\n' "$native_bytes" "$hand_bytes" "$full_bytes"
printf 'load average (1, 5, 15 min): %s on %s cores\n' "$load" "$(nproc)"

# The figures for the benchmark summary: medians in milliseconds.
mkdir -p "$root/artifacts/bench"
cat > "$root/artifacts/bench/host-start.json" <<EOF
{
  "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "runs": $runs,
  "loadAverage": "$load",
  "nativeFirstMs": ${first_median[native]},
  "handFirstMs": ${first_median[hand]},
  "jitFirstMs": ${first_median[jit]},
  "nativeExitMs": ${exit_median[native]},
  "handExitMs": ${exit_median[hand]},
  "nativeInMemoryFirstMs": ${first_median[native_mem]},
  "handInMemoryFirstMs": ${first_median[hand_mem]},
  "nativeBytes": $native_bytes,
  "handBytes": $hand_bytes,
  "fullFirstMs": ${first_median[full]},
  "fullInMemoryFirstMs": ${first_median[full_mem]},
  "fullBytes": $full_bytes
}
EOF
echo "Wrote $root/artifacts/bench/host-start.json" >&2
