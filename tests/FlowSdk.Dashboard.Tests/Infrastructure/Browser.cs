using System.Text.RegularExpressions;
using FlowSdk.Hosting.Tests.Infrastructure;
using Microsoft.Playwright;

namespace FlowSdk.Dashboard.Tests.Infrastructure;

/// <summary>
/// The system Chromium (Debian's chromium package, /usr/bin/chromium) driven by Playwright: no browser
/// is downloaded. Console errors and page errors are collected; a failing test leaves a screenshot of
/// the page in artifacts/.
/// </summary>
internal sealed class Browser : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private Browser(IPlaywright playwright, IBrowser browser, IPage page)
    {
        _playwright = playwright;
        _browser = browser;
        Page = page;
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                lock (Errors)
                {
                    Errors.Add("console: " + message.Text);
                }
            }
        };
        page.PageError += (_, error) =>
        {
            lock (Errors)
            {
                Errors.Add("page: " + error);
            }
        };
    }

    public IPage Page { get; }

    /// <summary>What the page wrote to the console as errors, and its uncaught exceptions.</summary>
    public List<string> Errors { get; } = [];

    public static async Task<Browser> LaunchAsync()
    {
        Assert.True(File.Exists(ChromiumPath), $"The browser tests drive the system Chromium at {ChromiumPath} (apt-get install -y chromium; build/test.sh installs it).");
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        page.SetDefaultTimeout(15_000);
        return new Browser(playwright, browser, page);
    }

    /// <summary>
    /// Runs <paramref name="test"/>; when it fails, saves a screenshot to artifacts/&lt;name&gt;.png (and the
    /// output of <paramref name="host"/>, when given, to artifacts/&lt;name&gt;.host.log) and rethrows.
    /// </summary>
    public async Task RunAsync(string name, Func<IPage, Task> test, HostProcess? host = null)
    {
        try
        {
            await test(Page);
        }
        catch
        {
            var artifacts = Path.Combine(OrdersHost.RepositoryRoot, "artifacts");
            Directory.CreateDirectory(artifacts);
            try
            {
                await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(artifacts, Regex.Replace(name, "[^A-Za-z0-9_.-]", "_") + ".png"), FullPage = true });
            }
            catch (PlaywrightException)
            {
                // The page is gone; the test's own failure says more.
            }

            if (host is not null)
            {
                await File.WriteAllTextAsync(Path.Combine(artifacts, Regex.Replace(name, "[^A-Za-z0-9_.-]", "_") + ".host.log"), host.Output);
            }

            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
