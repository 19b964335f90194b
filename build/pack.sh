#!/usr/bin/env bash
# Packs the FlowSdk packages, with one version, and their symbol packages (.snupkg):
#   FlowSdk          runtime (lib/net10.0), generator + analyzers + code fixes (analyzers/dotnet/cs),
#                    FlowSdk.props/.targets (build/ and buildTransitive/), MSBuild task (tasks/net10.0), docs/
#   FlowSdk.Hosting  generic host, command line and generated entry point; depends on FlowSdk
#   FlowSdk.Nats     NATS JetStream transport and state store; depends on FlowSdk and NATS.Net
#   FlowSdk.Sqlite   the durable embedded store (a SQLite file) generated hosts use; depends on FlowSdk
#   FlowSdk.Testing  the test kit (virtual time, recorder, fault injection, RunOnce); depends on FlowSdk
#   FlowSdk.Dashboard  the web dashboard of generated hosts; depends on FlowSdk
#   FlowSdk.Templates  `dotnet new flowsdk`: a host project referencing FlowSdk and FlowSdk.Hosting at this version
#
#   build/pack.sh [--version 0.2.0] [--output artifacts/packages] [--configuration Release]
#                 [--repository-url URL] [--docs-url URL] [--only FlowSdk,FlowSdk.Hosting,...]
#                 [-- extra dotnet pack arguments]
#
# --only: pack only these packages (comma-separated ids; all by default), e.g. the clean-build benchmark
#         packs only FlowSdk.
# --repository-url: the public repository (package RepositoryUrl/ProjectUrl, SourceLink); none by default.
# --docs-url: where the docs/ folder is published, ending in / (diagnostics' help links); none by default,
#             the docs ship inside the FlowSdk package.
# The version defaults to <Version> in Directory.Build.props. Prints the path of each package.
# NuGet caches a package id and version forever: give every test package its own version.
set -euo pipefail
cd "$(dirname "$0")/.."

version=""
output="artifacts/packages"
configuration="Release"
repository_url=""
docs_url=""
only=""
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --version) version="$2"; shift 2 ;;
    --output) output="$2"; shift 2 ;;
    --configuration|-c) configuration="$2"; shift 2 ;;
    --repository-url) repository_url="$2"; shift 2 ;;
    --docs-url) docs_url="$2"; shift 2 ;;
    --only) only=",$2,"; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "pack.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$docs_url" in ''|*/) ;; *) echo "pack.sh: --docs-url must end with / (it is the docs/ folder)" >&2; exit 2 ;; esac

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# No MSBuild node or build server outlives the script (they would hold its output pipe open).
export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_USE_MSBUILD_SERVER=0
if [ -z "$version" ]; then
  version=$(dotnet msbuild src/FlowSdk/FlowSdk.csproj -getProperty:Version)
fi
mkdir -p "$output"
output="$(cd "$output" && pwd)"
common=(-c "$configuration" -o "$output" -nologo -p:Version="$version" -p:FlowSdkPackBuild=true
        -p:FlowSdkRepositoryUrl="$repository_url" -p:FlowSdkDocsUrl="$docs_url" -p:UseSharedCompilation=false)
ids=(FlowSdk FlowSdk.Dashboard FlowSdk.Hosting FlowSdk.Nats FlowSdk.Sqlite FlowSdk.Testing FlowSdk.Templates)
selected=()
for id in "${ids[@]}"; do
  case "$only" in ''|*",$id,"*) selected+=("$id") ;; esac
done
if [ -n "$only" ]; then
  for name in ${only//,/ }; do
    case " ${ids[*]} " in *" $name "*) ;; *) echo "pack.sh: --only names '$name', which is none of: ${ids[*]}" >&2; exit 2 ;; esac
  done
fi
[ ${#selected[@]} -gt 0 ] || { echo "pack.sh: --only names none of: ${ids[*]}" >&2; exit 2; }
for id in "${selected[@]}"; do
  if [ "$id" = FlowSdk ]; then
    # FlowSdkPack adds the generator, analyzers, code fixes, task, props/targets and docs to the FlowSdk package.
    dotnet pack src/FlowSdk/FlowSdk.csproj "${common[@]}" -p:FlowSdkPack=true "${extra[@]}" >&2
  else
    dotnet pack "src/$id/$id.csproj" "${common[@]}" "${extra[@]}" >&2
  fi
done

for id in "${selected[@]}"; do
  package="$output/$id.$version.nupkg"
  [ -f "$package" ] || { echo "pack.sh: $package was not written" >&2; exit 1; }
  echo "$package"
done
