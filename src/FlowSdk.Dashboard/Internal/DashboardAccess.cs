using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;

namespace FlowSdk.Dashboard.Internal;

/// <summary>
/// Who may change things: requests carrying the configured token (<c>Authorization: Bearer</c>, for
/// scripts), or a browser signed in with it (an HttpOnly, SameSite=Strict cookie) whose request also
/// carries ASP.NET Core's anti-forgery token. Without a configured token, nobody: read-only.
/// </summary>
internal sealed class DashboardAccess(FlowDashboardOptions options, IAntiforgery antiforgery)
{
    public const string CookieName = "flowsdk-dashboard";
    public const string AntiforgeryHeader = "X-FlowSdk-Antiforgery";

    // The sign-in cookie holds a MAC of the token under a key of this process, never the token itself.
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    public bool ReadOnly => string.IsNullOrEmpty(options.Token);

    /// <summary>Whether <paramref name="candidate"/> is the configured token (in constant time).</summary>
    public bool IsToken(string? candidate) => !ReadOnly && candidate is not null
        && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(candidate)), SHA256.HashData(Encoding.UTF8.GetBytes(options.Token!)));

    public string CookieValue() => Convert.ToBase64String(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(options.Token ?? "")));

    public static bool HasBearer(HttpContext context, out string? token)
    {
        token = null;
        var header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            token = header["Bearer ".Length..].Trim();
            return true;
        }

        return false;
    }

    public bool HasSession(HttpContext context) => !ReadOnly
        && context.Request.Cookies.TryGetValue(CookieName, out var value) && value is not null
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(value), Encoding.UTF8.GetBytes(CookieValue()));

    public bool SignedIn(HttpContext context) => HasSession(context) || (HasBearer(context, out var token) && IsToken(token));

    /// <summary>Throws the 401/403/400 that a state-changing request gets when it may not change anything.</summary>
    public async Task DemandWriteAsync(HttpContext context)
    {
        if (ReadOnly)
        {
            throw new DashboardRequestException(StatusCodes.Status403Forbidden, $"The dashboard is read-only: no token is configured ({FlowDashboardOptions.SectionName}:Token).");
        }

        if (HasBearer(context, out var token))
        {
            // A browser never adds an Authorization header to a cross-site request by itself: no anti-forgery token needed.
            if (!IsToken(token))
            {
                throw new DashboardRequestException(StatusCodes.Status401Unauthorized, "The bearer token is not the dashboard's token.");
            }

            return;
        }

        if (!HasSession(context))
        {
            throw new DashboardRequestException(StatusCodes.Status401Unauthorized, "This needs the dashboard's token: send 'Authorization: Bearer <token>', or sign in on the dashboard.");
        }

        try
        {
            await antiforgery.ValidateRequestAsync(context).ConfigureAwait(false);
        }
        catch (AntiforgeryValidationException)
        {
            throw new DashboardRequestException(StatusCodes.Status400BadRequest, $"The anti-forgery token is missing or invalid: send the {AntiforgeryHeader} header with the token GET /api/session returns.");
        }
    }
}
