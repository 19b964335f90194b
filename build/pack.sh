#!/usr/bin/env bash
# Packs the FlowSdk NuGet package: runtime (lib/net10.0), generator + analyzers + code fixes
# (analyzers/dotnet/cs), FlowSdk.props/.targets (build/ and buildTransitive/), MSBuild task (tasks/net10.0).
#
#   build/pack.sh [--version 0.2.0] [--output artifacts/packages] [--configuration Release] [-- extra dotnet pack arguments]
#
# The version defaults to <Version> in Directory.Build.props. Prints the path of the package.
# NuGet caches a package id and version forever: give every test package its own version.
set -euo pipefail
cd "$(dirname "$0")/.."

version=""
output="artifacts/packages"
configuration="Release"
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --version) version="$2"; shift 2 ;;
    --output) output="$2"; shift 2 ;;
    --configuration|-c) configuration="$2"; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "pack.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
args=(pack src/FlowSdk/FlowSdk.csproj -c "$configuration" -p:FlowSdkPack=true -o "$output" -nologo)
[ -n "$version" ] && args+=("-p:Version=$version")
dotnet "${args[@]}" "${extra[@]}"
dotnet pack src/FlowSdk.Testing/FlowSdk.Testing.csproj -c "$configuration" -o "$output" -nologo ${version:+"-p:Version=$version"} "${extra[@]}"

if [ -z "$version" ]; then
  version=$(dotnet msbuild src/FlowSdk/FlowSdk.csproj -getProperty:Version -p:FlowSdkPack=true)
fi
echo "$(cd "$output" && pwd)/FlowSdk.$version.nupkg"
