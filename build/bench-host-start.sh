#!/usr/bin/env bash
# Start time of the generated Orders host, Native AOT against the JIT and against a hand-written Native
# AOT host of the same flows (tests/FlowSdk.Benchmarks.HandHost: FlowRuntime in memory, no hosting,
# command line, configuration or dependency injection): the `send` command, in memory, from process
# start to the first processed message (its first line of output, printed once the flow has handled the
# message) and to its exit; the hand-written host does the same work and prints its first line at the
# same point. Builds the three into a temporary folder (never the repository's bin/ and obj/), then runs
# each N times (default 10), alternating, after one warm-up run each:
#
#   build/bench-host-start.sh [N]
#
# Needs the .NET SDK and gcc or clang (Native AOT links with them). Prints one line per build: the
# mean and median of both times in milliseconds, then the native/JIT and native/hand-written ratios.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
runs="${1:-10}"
case "$runs" in ''|*[!0-9]*) echo "usage: $0 [runs]" >&2; exit 2 ;; esac
work="$(mktemp -d -t flowsdk-host-start-XXXXXX)"
trap 'rm -rf "$work"' EXIT

echo "Building the JIT host and publishing the native and hand-written native ones in $work ..." >&2
dotnet build "$root/samples/Orders" -c Release --artifacts-path "$work/jit" -nologo -v q >&2
dotnet publish "$root/samples/Orders" -c Release -p:NativeHost=true --artifacts-path "$work/aot" -o "$work/native" -nologo -v q >&2
# The hand-written host treats every warning as an error, trim and AOT warnings included.
dotnet publish "$root/tests/FlowSdk.Benchmarks.HandHost" -c Release --artifacts-path "$work/aot" -o "$work/hand" -nologo -v q >&2
jit=(dotnet "$work/jit/bin/Orders/release/Orders.dll")
native=("$work/native/Orders")
hand=("$work/hand/HandHost")
message='{"OrderId": "o-1", "Total": 42.5}'

# One run: "<ms to the first line of output> <ms to exit>". The generated hosts get the `send` command;
# the hand-written one sends the same message, built in code, and ignores its arguments.
measure() {
  local start first end
  start=$(date +%s%N)
  first=$("$@" send orders.placed "$message" | { IFS= read -r _; date +%s%N; cat > /dev/null; })
  end=$(date +%s%N)
  echo "$(( (first - start) / 1000 )) $(( (end - start) / 1000 ))"
}

# Mean and median (ms, one decimal) of the microsecond values in column $1 of the lines on stdin.
stats() {
  sort -n -k"$1","$1" | awk -v c="$1" '{ v[NR] = $c; s += $c } END {
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
    printf "%.1f %.1f\n", s / NR / 1000, m / 1000 }'
}

# The hand-written host must have handled the message (it exits 1 otherwise).
cd "$work"
"${hand[@]}" > /dev/null

# Interleaved, one JIT run, one native run, one hand-written native run, so all see the same load on a
# shared machine.
measure "${jit[@]}" > /dev/null
measure "${native[@]}" > /dev/null
measure "${hand[@]}" > /dev/null
for _ in $(seq "$runs"); do
  measure "${jit[@]}" >> "$work/jit.txt"
  measure "${native[@]}" >> "$work/native.txt"
  measure "${hand[@]}" >> "$work/hand.txt"
done

declare -A first_mean first_median exit_mean exit_median
for build in jit native hand; do
  read -r first_mean[$build] first_median[$build] < <(stats 1 < "$work/$build.txt")
  read -r exit_mean[$build] exit_median[$build] < <(stats 2 < "$work/$build.txt")
  printf '%-6s first processed message: mean %6.1f ms, median %6.1f ms | exit: mean %6.1f ms, median %6.1f ms (%d runs)\n' \
    "$build" "${first_mean[$build]}" "${first_median[$build]}" "${exit_mean[$build]}" "${exit_median[$build]}" "$runs"
done

# Ratio of build $1 to build $2: first processed message and exit, means and medians.
ratio() {
  awk -v label="$3" -v a="${first_mean[$1]}" -v b="${first_mean[$2]}" -v c="${exit_mean[$1]}" -v d="${exit_mean[$2]}" \
    -v e="${first_median[$1]}" -v f="${first_median[$2]}" -v g="${exit_median[$1]}" -v h="${exit_median[$2]}" \
    'BEGIN { printf "%s: first processed message %.2f (means), %.2f (medians); exit %.2f (means), %.2f (medians)\n", label, a / b, e / f, c / d, g / h }'
}
ratio native jit "native/JIT"
ratio native hand "native/hand-written native (goal <= 2)"
printf 'native executable: %s bytes, hand-written native executable: %s bytes\n' \
  "$(stat -c %s "$work/native/Orders")" "$(stat -c %s "$work/hand/HandHost")"
printf 'load average (1, 5, 15 min): %s on %s cores\n' "$(cut -d' ' -f1-3 /proc/loadavg)" "$(nproc)"
