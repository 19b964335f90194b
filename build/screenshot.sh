#!/usr/bin/env bash
# Regenerates docs/images/dashboard.png, the README's screenshot of the dashboard: runs samples/Orders
# with the dashboard on a fresh database file, sends a few orders through the command line, and takes
# the screenshot with the system Chromium (/usr/bin/chromium) driven by the Playwright driver that ships
# inside the Microsoft.Playwright NuGet package (restored by tests/FlowSdk.Dashboard.Tests; no download).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
dotnet build samples/Orders/Orders.csproj -c Release -nologo -clp:ErrorsOnly >/dev/null
dotnet restore tests/FlowSdk.Dashboard.Tests/FlowSdk.Dashboard.Tests.csproj >/dev/null
driver="${NUGET_PACKAGES:-$HOME/.nuget/packages}/microsoft.playwright/1.64.1/.playwright"
orders="dotnet $root/samples/Orders/bin/Release/net10.0/Orders.dll"

work=$(mktemp -d)
cd "$work"
$orders run --dashboard http://127.0.0.1:0 --db orders.db > host.log 2>&1 &
host=$!
trap 'kill $host 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 120); do grep -q "Dashboard on http" host.log && break; sleep 0.5; done
url=$(grep -o 'Dashboard on http://[^ ,]*' host.log | sed 's/Dashboard on //; s/\.$//')
for i in 1 2 3 4 5; do $orders send orders.placed "{\"OrderId\": \"o-$i\", \"Total\": $((i * 10))}" --db orders.db >/dev/null; done
for i in 1 2; do $orders send orders.paid "{\"OrderId\": \"o-$i\", \"Amount\": $((i * 10))}" --db orders.db >/dev/null; done

DRIVER="$driver" "$driver/node/linux-x64/node" - "$url" "$root/docs/images/dashboard.png" <<'JS'
const { chromium } = require(process.env.DRIVER + '/package');
(async () => {
  const [url, out] = process.argv.slice(2);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1200, height: 760 } });
  await page.goto(url);
  await page.waitForSelector('svg.graph g.phase');
  await page.waitForSelector('#progress-order a[data-status="Completed"]');
  await page.screenshot({ path: out });
  await browser.close();
})().catch((e) => { console.error(e); process.exit(1); });
JS
echo "Wrote docs/images/dashboard.png"
