#!/usr/bin/env bash
# Brings the public API baselines (src/*/PublicAPI.Unshipped.txt) up to the code: builds the shipped
# libraries once with warnings as warnings, adds every symbol the build reports as missing (RS0016)
# and drops every line it reports as gone (RS0017). Review the diff: it is the API change.
#   bash build/public-api.sh
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
projects=(FlowSdk FlowSdk.Testing FlowSdk.Sqlite FlowSdk.Nats FlowSdk.Hosting FlowSdk.Dashboard)
for p in "${projects[@]}"; do
  dotnet build "src/$p" -c Release --no-incremental -p:TreatWarningsAsErrors=false -p:WarningsAsErrors= -v:q -nologo >> "$log" 2>&1 || true
done
for p in "${projects[@]}"; do
  file="src/$p/PublicAPI.Unshipped.txt"
  [ -f "$file" ] || printf '#nullable enable\n' > "$file"
  python3 - "$log" "$p" "$file" <<'PY'
import re, sys
log, project, path = sys.argv[1], sys.argv[2], sys.argv[3]
added, removed = set(), set()
for line in open(log, encoding="utf-8", errors="replace"):
    if not line.rstrip().endswith(f"/src/{project}/{project}.csproj]"):
        continue
    m = re.search(r"(RS0016|RS0017): Symbol '(.*)' is (not part of|part of) the declared", line)
    if m:
        (added if m.group(1) == "RS0016" else removed).add(m.group(2))
lines = [l.rstrip("\n") for l in open(path, encoding="utf-8")]
header = [l for l in lines if l.startswith("#")] or ["#nullable enable"]
body = {l for l in lines if l and not l.startswith("#")}
body = (body | added) - removed
open(path, "w", encoding="utf-8").write("\n".join(header + sorted(body, key=str.casefold)) + "\n")
print(f"{project}: +{len(added)} -{len(removed)}")
PY
done
