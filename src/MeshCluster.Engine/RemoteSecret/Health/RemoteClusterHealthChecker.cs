using System.Diagnostics;
using System.Net;
using System.Security.Authentication;
using k8s;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Http;
using k8s.Models;
using MeshCluster.Engine.Input;
using MeshCluster.Engine.Istiod;

namespace MeshCluster.Engine.RemoteSecret;

/// <summary>How Test-IstioRemoteCluster checks: each check's time limit, and how early a nearing expiry warns (zero: never).</summary>
public sealed record RemoteClusterTestOptions(TimeSpan Timeout, TimeSpan ExpiryWarning)
{
    /// <summary>RemoteClusterTimeoutInvalid or RemoteClusterExpiryWarningInvalid (terminating); called before connecting.</summary>
    public void Validate()
    {
        TimeoutRule.Require(Timeout, ErrorIds.RemoteClusterTimeoutInvalid);
        if (ExpiryWarning < TimeSpan.Zero)
        {
            throw new MeshClusterException(ErrorIds.RemoteClusterExpiryWarningInvalid, System.Management.Automation.ErrorCategory.InvalidArgument,
                $"-ExpiryWarning must not be negative; it is {ExpiryWarning}.", ExpiryWarning, terminating: true);
        }
    }
}

/// <summary>
/// Tests one remote secret with exactly the credentials istiod would use (server, CA, tls-server-name,
/// bearer token; nothing else of its kubeconfig), in the order istiod depends on them. An unhealthy
/// remote is a result; only Ctrl+C ends it early.
/// </summary>
public static class RemoteClusterHealthChecker
{
    public const string Format = "Format";
    public const string Server = "Server";
    public const string Tls = "Tls";
    public const string Authentication = "Authentication";
    public const string Authorization = "Authorization";

    /// <summary>A remote-profile cluster only: whether the primary's istiod has taken charge of it (caBundle patched, istio-ca-root-cert written).</summary>
    public const string PrimaryInCharge = "PrimaryInCharge";
    public const string TokenExpiry = "TokenExpiry";
    public const string Activity = "Testing remote clusters";

    public static async Task<IstioRemoteClusterHealth> CheckAsync(RemoteSecretEntry entry, RemoteClusterTestOptions options,
        IOperationReporter reporter, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var info = entry.Info;
        var checks = new List<IstioRemoteClusterCheck>();
        void Add(string name, RemoteCheckStatus status, string detail)
        {
            checks.Add(new IstioRemoteClusterCheck(name, status, detail));
            reporter.Verbose($"Remote cluster '{info.ClusterName}': {name} {status}: {detail}");
        }

        ControlPlaneForm? form = null;
        IstioRemoteClusterHealth Result() => new(info.ClusterName, info.SecretName, info.Namespace, info.Context, info.Server, checks, watch.Elapsed, form);
        void SkipFrom(string first, string why)
        {
            // PrimaryInCharge is only ever a row of a remote-profile cluster, which is known only past Authentication.
            var order = new[] { Format, Server, Tls, Authentication, Authorization, TokenExpiry };
            foreach (var name in order.SkipWhile(n => n != first)) Add(name, RemoteCheckStatus.Skipped, why);
        }

        reporter.Progress(Activity, $"{info.ClusterName}: format", -1);
        // Blocking: istiod cannot use the kubeconfig; ignored: istiod never reads this cluster from it; contested: it may use another Secret's.
        if (entry.Blocking.Count + entry.Ignored.Count > 0) Add(Format, RemoteCheckStatus.Failed, string.Join(" ", entry.Blocking.Concat(entry.Ignored).Concat(entry.Contested)));
        else if (entry.Contested.Count + entry.Notes.Count > 0) Add(Format, RemoteCheckStatus.Warning, string.Join(" ", entry.Contested.Concat(entry.Notes)));
        else Add(Format, RemoteCheckStatus.Passed, $"Secret {info.Namespace}/{info.SecretName} holds a kubeconfig for '{info.ClusterName}' with {Credential(info.AuthType)}.");

        var credentials = entry.Credentials;
        if (credentials is null)
        {
            SkipFrom(Server, "Not checked: the kubeconfig names no server.");
            return Result();
        }

        if (!Uri.TryCreate(credentials.Server, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp) || uri.Host.Length == 0)
        {
            Add(Server, RemoteCheckStatus.Failed, $"'{ServerUrl.Masked(credentials.Server)}' is not an absolute https URL.");
            SkipFrom(Tls, "Not checked: no server URL.");
            return Result();
        }

        // Only a token, an inline client certificate or a user name and password is sent: for a secret without one, the server and TLS are still
        // checked, anonymously. Nothing is sent over http (istiod would send the token in clear): Publish refuses such a server, Test says why.
        var http = uri.Scheme == Uri.UriSchemeHttp;
        var send = entry.HasTestableCredentials && !http;
        reporter.Progress(Activity, $"{info.ClusterName}: connecting to {ServerUrl.Masked(credentials.Server)}", -1);
        var connection = KubeClientFactory.FromKubeConfigText(credentials.ToKubeConfig(info.ClusterName, withCredentials: send), info.ClusterName, out var unusable);
        string? credentialProblem = null;
        if (connection is null && send)
        {
            // The credentials themselves cannot make a client (a key that does not match its certificate): they fail Authentication, not
            // Server; the server and TLS are checked without them (issue 20, point 9).
            credentialProblem = unusable;
            connection = KubeClientFactory.FromKubeConfigText(credentials.ToKubeConfig(info.ClusterName, withCredentials: false), info.ClusterName, out unusable);
        }

        if (connection is null)
        {
            Add(Server, RemoteCheckStatus.Failed, $"No client can be built from the secret's server and CA: {unusable}.");
            SkipFrom(Tls, "Not checked: no client.");
            return Result();
        }

        using var owned = connection;
        var probe = await ProbeAsync(connection, options.Timeout, ct).ConfigureAwait(false);
        if (probe.Status is { } answered && (int)answered >= 500)
        {
            probe = probe with { Kind = ProbeKind.Unreachable, Detail = $"{ServerUrl.Masked(credentials.Server)} answers {(int)answered} ({answered}), still after retries: {probe.Detail}" };
        }
        else if (probe.Status is { } moved && (int)moved is >= 300 and < 400)
        {
            // Never followed (KubeClientFactory): the token does not travel to where it points, and its answer is no answer about the token.
            probe = probe with
            {
                Kind = ProbeKind.Unreachable,
                Detail = $"{ServerUrl.Masked(credentials.Server)} answers /version with a redirect ({(int)moved} {moved}): an API server never redirects, so this is " +
                         "a proxy, a login page or a wrong URL in its place. The redirect was not followed and no credential went with it.",
            };
        }

        if (probe.Kind == ProbeKind.Unreachable)
        {
            Add(Server, RemoteCheckStatus.Failed, probe.Detail);
            SkipFrom(Tls, probe.Status is { } s && (int)s is >= 300 and < 400 ? "Not checked: the server answers with a redirect." : "Not checked: the server cannot be reached.");
            return Result();
        }

        Add(Server, RemoteSecretNames.IsLoopbackServer(credentials.Server) ? RemoteCheckStatus.Warning : RemoteCheckStatus.Passed,
            RemoteSecretNames.IsLoopbackServer(credentials.Server)
                ? $"{ServerUrl.Masked(credentials.Server)} answers here, but it is a loopback address: istiod in the primary cluster cannot reach it."
                : $"{ServerUrl.Masked(credentials.Server)} answers.");

        if (probe.Kind == ProbeKind.TlsFailed)
        {
            Add(Tls, RemoteCheckStatus.Failed, probe.Detail);
            SkipFrom(Authentication, "Not checked: no TLS connection.");
            return Result();
        }

        if (http)
        {
            Add(Tls, RemoteCheckStatus.Failed, "The server URL is http: nothing is encrypted and the server's identity is not verified, so istiod would send the " +
                                               "credentials in clear. MeshCluster sent none (Publish-IstioRemoteSecret refuses such a server): use the server's https URL.");
            SkipFrom(Authentication, "Not checked: no credential is sent over http.");
            return Result();
        }

        Add(Tls, credentials.InsecureSkipTlsVerify ? RemoteCheckStatus.Warning : RemoteCheckStatus.Passed, TlsDetail(credentials, uri));

        if (credentialProblem is not null)
        {
            Add(Authentication, RemoteCheckStatus.Failed, $"The {Bare(info.AuthType)} cannot be used: {credentialProblem.TrimEnd('.')}. istiod cannot use it either.");
            Add(Authorization, RemoteCheckStatus.Skipped, "Not checked: the credentials cannot be used.");
            AddExpiry(entry, options, Add);
            return Result();
        }

        if (!entry.HasTestableCredentials)
        {
            SkipFrom(Authentication, entry.Blocking.Count > 0 || info.AuthType is null
                ? $"Not checked: istiod cannot use the kubeconfig (see {Format})."
                : info.AuthType == RemoteAuthType.Basic
                    ? "Not checked: the user has a user name without a password (or a password without a user name), which MeshCluster cannot send."
                    : $"Not checked: the user authenticates by {info.AuthType}, which MeshCluster does not test (it runs no command and reads no file a Secret names).");
            return Result();
        }

        var token = info.AuthType == RemoteAuthType.Token;
        var who = entry.Claims?.ServiceAccount is { } sa ? $" as ServiceAccount {entry.Claims.ServiceAccountNamespace}/{sa}" : string.Empty;
        if (probe.Status is { } other && other != HttpStatusCode.OK && other != HttpStatusCode.Unauthorized && other != HttpStatusCode.Forbidden)
        {
            // Only 200 (or 403: known, not allowed /version) says the credentials were taken; a 404 or 400 is no API server's answer to /version.
            Add(Authentication, RemoteCheckStatus.Failed, $"The server answers /version with {(int)other} ({other}), which no Kubernetes API server answers to it: " +
                                                          "whether it accepts the credentials is unknown (a proxy or a wrong URL?).");
            Add(Authorization, RemoteCheckStatus.Skipped, "Not checked: the credentials were not judged.");
            AddExpiry(entry, options, Add);
            return Result();
        }

        if (probe.Status == HttpStatusCode.Unauthorized)
        {
            Add(Authentication, RemoteCheckStatus.Failed, token
                ? "The API server rejects the token (401 Unauthorized): it was revoked (its token secret deleted), it expired, or it belongs to another cluster."
                : $"The API server rejects the {Bare(info.AuthType)} (401 Unauthorized).");
            Add(Authorization, RemoteCheckStatus.Skipped, "Not checked: the credentials are not accepted.");
            AddExpiry(entry, options, Add); // its claims still say when it expires
            return Result();
        }

        // A server that does not know a client certificate's CA, or basic authentication (gone from Kubernetes 1.19), takes the
        // request as anonymous instead of refusing it: only an authenticated user may create a SelfSubjectAccessReview (system:basic-user).
        if (!token && await IsAnonymousAsync(connection, options.Timeout, ct).ConfigureAwait(false))
        {
            Add(Authentication, RemoteCheckStatus.Failed, info.AuthType == RemoteAuthType.Basic
                ? "The API server takes the user name and password as anonymous: it does not accept basic authentication (Kubernetes removed it in 1.19)."
                : "The API server takes the client certificate as anonymous: it is not issued by a CA the server trusts for clients (--client-ca-file).");
            Add(Authorization, RemoteCheckStatus.Skipped, "Not checked: the credentials are not accepted.");
            AddExpiry(entry, options, Add);
            return Result();
        }

        Add(Authentication, RemoteCheckStatus.Passed, token ? $"The token is accepted{who}." : $"The {Bare(info.AuthType)} is accepted.");

        // The remote's form and Istio version decide which rights it needs: read with the token itself, from what every reader role allows.
        reporter.Progress(Activity, $"{info.ClusterName}: form of the remote", -1);
        var (facts, factsProblem) = await ReadFactsAsync(connection, info.Namespace, options.Timeout, ct).ConfigureAwait(false);
        form = facts?.Form;
        var role = ReaderRoleChart.For(info.Namespace, facts?.Version, form == ControlPlaneForm.Remote);
        reporter.Verbose($"Remote cluster '{info.ClusterName}': {facts?.Describe() ?? factsProblem}.");

        reporter.Progress(Activity, $"{info.ClusterName}: {role.RequiredAccess.Count} access reviews", -1);
        var (granted, detail) = await RemoteAuthorizationCheck.RunAsync(connection, role, FormText(facts, factsProblem), options.Timeout, ct).ConfigureAwait(false);
        Add(Authorization, granted ? RemoteCheckStatus.Passed : RemoteCheckStatus.Failed, detail);
        if (form == ControlPlaneForm.Remote)
        {
            reporter.Progress(Activity, $"{info.ClusterName}: is the primary in charge", -1);
            var (status, inCharge) = await PrimaryInChargeAsync(connection, info.Namespace, facts!, options.Timeout, ct).ConfigureAwait(false);
            Add(PrimaryInCharge, status, inCharge);
        }

        AddExpiry(entry, options, Add);
        return Result();
    }

    private static async Task<(IstioNamespaceFacts? Facts, string? Problem)> ReadFactsAsync(KubeConnection connection, string ns, TimeSpan timeout, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            return (await IstioNamespaceReader.ReadAsync(connection, ns, deadline.Token).ConfigureAwait(false), null);
        }
        catch (MeshClusterException ex)
        {
            return (null, $"the form of the remote could not be read ({ex.Message.TrimEnd('.')})");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (null, $"the form of the remote could not be read within {TimeoutRule.Text(timeout)} (-Timeout)");
        }
    }

    private static string FormText(IstioNamespaceFacts? facts, string? problem) => facts?.Form switch
    {
        ControlPlaneForm.Remote => "a remote in the remote profile",
        ControlPlaneForm.Istiod => "a remote with its own istiod" + (facts.Version is { } v ? $" (Istio {v.Text})" : string.Empty),
        _ => $"a remote of unknown form ({facts?.FormEvidence ?? problem})",
    };

    /// <summary>
    /// Whether the primary's istiod runs this remote-profile cluster: it patches the injector webhook's caBundle (pkg/webhooks/webhookpatch.go)
    /// and writes ConfigMap istio-ca-root-cert into every namespace (pilot/pkg/serviceregistry/kube/controller/namespacecontroller.go) once it
    /// has added the cluster as one it leads (multicluster.go checkShouldLead: EXTERNAL_ISTIOD=true and its name in controlPlaneClusters).
    /// Read with the token, which the remote profile's reader role allows (webhooks and configmaps).
    /// </summary>
    private static async Task<(RemoteCheckStatus, string)> PrimaryInChargeAsync(KubeConnection connection, string ns, IstioNamespaceFacts facts, TimeSpan timeout, CancellationToken ct)
    {
        // The chart's name (istio-discovery templates/mutatingwebhook.yaml): the namespace is added outside istio-system.
        var webhookName = ns == Naming.IstioDefaults.Namespace ? "istio-sidecar-injector" : "istio-sidecar-injector-" + ns;
        const string rootCert = "istio-ca-root-cert";
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        V1MutatingWebhookConfiguration? webhook;
        V1ConfigMap? configMap;
        try
        {
            webhook = await KubeApi.TryGetAsync(connection, $"reading MutatingWebhookConfiguration {webhookName}",
                c => c.Client.AdmissionregistrationV1.ReadMutatingWebhookConfigurationAsync(webhookName, cancellationToken: c.Token), deadline.Token).ConfigureAwait(false);
            configMap = await KubeApi.TryGetAsync(connection, $"reading ConfigMap {ns}/{rootCert}",
                c => c.Client.CoreV1.ReadNamespacedConfigMapAsync(rootCert, ns, cancellationToken: c.Token), deadline.Token).ConfigureAwait(false);
        }
        catch (MeshClusterException ex) when (ex.StatusCode == HttpStatusCode.Forbidden)
        {
            return (RemoteCheckStatus.Skipped, $"Not checked: the token may not read MutatingWebhookConfiguration {webhookName} or ConfigMap {ns}/{rootCert} (the Authorization check names the rights missing).");
        }
        catch (MeshClusterException ex)
        {
            return (RemoteCheckStatus.Failed, $"MutatingWebhookConfiguration {webhookName} and ConfigMap {ns}/{rootCert} could not be read: {ex.Message}");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (RemoteCheckStatus.Failed, $"No answer within {TimeoutRule.Text(timeout)} (-Timeout) while reading MutatingWebhookConfiguration {webhookName} and ConfigMap {ns}/{rootCert}.");
        }

        var missing = new List<string>();
        if (webhook is null)
        {
            missing.Add($"there is no MutatingWebhookConfiguration {webhookName} (the remote profile's sidecar injector: was istioctl install run?)");
        }
        else
        {
            var hooks = webhook.Webhooks ?? new List<V1MutatingWebhook>();
            var empty = hooks.Count(h => h.ClientConfig?.CaBundle is not { Length: > 0 });
            if (hooks.Count == 0) missing.Add($"MutatingWebhookConfiguration {webhookName} holds no webhooks");
            else if (empty > 0) missing.Add($"the caBundle of {empty} of the {hooks.Count} webhooks of MutatingWebhookConfiguration {webhookName} is empty");
        }

        if (configMap is null) missing.Add($"there is no ConfigMap {ns}/{rootCert}");
        if (missing.Count == 0)
        {
            return (RemoteCheckStatus.Passed,
                $"The primary's istiod runs this remote: it set the caBundle of MutatingWebhookConfiguration {webhookName} and wrote ConfigMap {ns}/{rootCert}.");
        }

        return (RemoteCheckStatus.Failed,
            $"The primary's istiod has not taken charge of this remote (yet): {string.Join("; ", missing)}. Until it does, pods in injected namespaces " +
            "of the remote fail to start. It takes charge when it runs with EXTERNAL_ISTIOD=true (values.global.externalIstiod: true) and its cluster " +
            $"name is in the remote's Namespace {ns} annotation {Install.ControlPlaneClustersAnnotation.Name} (now {(facts.ControlPlaneClusters is { } named ? $"'{named}'" : "not set")}), " +
            "which it reads once, when the remote secret appears; a moment after publishing the secret, test again.");
    }

    private static void AddExpiry(RemoteSecretEntry entry, RemoteClusterTestOptions options, Action<string, RemoteCheckStatus, string> add)
    {
        var now = DateTimeOffset.UtcNow;
        if (entry.Info.AuthType == RemoteAuthType.Basic)
        {
            add(TokenExpiry, RemoteCheckStatus.Passed, "A user name and password: nothing in the secret says when it stops working.");
        }
        else if (entry.Info.AuthType == RemoteAuthType.ClientCertificate)
        {
            var notAfter = ClientCertificateNotAfter(entry.Credentials?.ClientCertificateData);
            if (notAfter is not { } until) add(TokenExpiry, RemoteCheckStatus.Warning, "The client certificate cannot be read: its expiry is unknown.");
            else if (until <= now) add(TokenExpiry, RemoteCheckStatus.Failed, $"The client certificate expired at {until:u}, {Span(now - until)} ago: istiod has lost this cluster.");
            else if (until - now <= options.ExpiryWarning) add(TokenExpiry, RemoteCheckStatus.Warning, $"The client certificate expires at {until:u}, in {Span(until - now)}: renew it, or istiod loses this cluster then.");
            else add(TokenExpiry, RemoteCheckStatus.Passed, $"The client certificate expires at {until:u}, in {Span(until - now)}.");
        }
        else if (entry.Claims is null)
        {
            add(TokenExpiry, RemoteCheckStatus.Passed, "The token is no JWT: no expiry can be read from it.");
        }
        else if (entry.Claims.Expires is not { } expires)
        {
            add(TokenExpiry, RemoteCheckStatus.Passed, "The token never expires (a token secret's token: deleting that secret revokes it).");
        }
        else if (expires <= now)
        {
            add(TokenExpiry, RemoteCheckStatus.Failed, $"The token expired at {expires:u}, {Span(now - expires)} ago: istiod has lost this cluster. Publish-IstioRemoteSecret -TokenLifetime renews it.");
        }
        else if (expires - now <= options.ExpiryWarning)
        {
            add(TokenExpiry, RemoteCheckStatus.Warning, $"The token expires at {expires:u}, in {Span(expires - now)}: renew it with Publish-IstioRemoteSecret -TokenLifetime, or istiod loses this cluster then.");
        }
        else
        {
            add(TokenExpiry, RemoteCheckStatus.Passed, $"The token expires at {expires:u}, in {Span(expires - now)}.");
        }
    }

    /// <summary>"client certificate" or "user name and password": the credential MeshCluster tests besides a token.</summary>
    private static string Bare(RemoteAuthType? type) => type == RemoteAuthType.Basic ? "user name and password" : "client certificate";

    /// <summary>"a bearer token", "a client certificate", ...: the credential a secret of this auth type holds.</summary>
    private static string Credential(RemoteAuthType? type) => type switch
    {
        RemoteAuthType.Token => "a bearer token",
        RemoteAuthType.ClientCertificate => "a client certificate",
        RemoteAuthType.Basic => "a user name and password",
        RemoteAuthType.AuthProvider => "an auth provider",
        RemoteAuthType.Exec => "an exec plugin",
        RemoteAuthType.TokenFile => "a token file",
        _ => "no credential",
    };

    /// <summary>The NotAfter of client-certificate-data (base64 PEM); null when it cannot be read.</summary>
    private static DateTimeOffset? ClientCertificateNotAfter(string? data)
    {
        try
        {
            if (data is null) return null;
            using var certificate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(data)));
            return new DateTimeOffset(certificate.NotAfter.ToUniversalTime());
        }
        catch (Exception ex) when (ex is FormatException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>True when the server answers 403 to a SelfSubjectAccessReview, which every authenticated user may create: it took the request as anonymous.</summary>
    private static async Task<bool> IsAnonymousAsync(KubeConnection connection, TimeSpan timeout, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        var review = new k8s.Models.V1SelfSubjectAccessReview
        {
            Spec = new k8s.Models.V1SelfSubjectAccessReviewSpec { ResourceAttributes = new k8s.Models.V1ResourceAttributes { Resource = "pods", Verb = "list" } },
        };
        try
        {
            await KubeApi.CallAsync(connection, "asking who the credentials are", c => c.Client.AuthorizationV1.CreateSelfSubjectAccessReviewAsync(review, cancellationToken: c.Token),
                deadline.Token).ConfigureAwait(false);
            return false;
        }
        catch (MeshClusterException ex) when (ex.ErrorId == ErrorIds.KubeApiForbidden)
        {
            return true;
        }
        catch (MeshClusterException)
        {
            return false; // not an answer about who: the authorization check says what it is
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }

    private static string TlsDetail(RemoteCredentials credentials, Uri uri)
    {
        if (uri.Scheme == Uri.UriSchemeHttp) return "The server URL is http: the connection is not encrypted and the server's identity is not verified.";
        if (credentials.InsecureSkipTlsVerify) return "The kubeconfig sets insecure-skip-tls-verify: the server's identity is not verified.";
        var by = credentials.CertificateAuthority is { Length: > 0 } ? "the secret's certificate-authority-data" : "the system's trusted roots";
        return $"The server's certificate is verified by {by}" + (credentials.TlsServerName is { } name ? $" (tls-server-name {name})." : ".");
    }

    internal static string Span(TimeSpan span) => span.TotalDays >= 1
        ? $"{(int)span.TotalDays} d {span.Hours} h"
        : span.TotalHours >= 1 ? $"{(int)span.TotalHours} h {span.Minutes} min" : $"{Math.Max(0, (int)span.TotalMinutes)} min {span.Seconds} s";

    private enum ProbeKind { Answered, TlsFailed, Unreachable }

    private sealed record Probe(ProbeKind Kind, HttpStatusCode? Status, string Detail);

    /// <summary>GET /version with the secret's credentials: whether the server answers, over verified TLS, and what it says to the token.</summary>
    private static async Task<Probe> ProbeAsync(KubeConnection connection, TimeSpan timeout, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            await KubeApi.CallAsync(connection, "reading /version", c => c.Client.Version.GetCodeAsync(c.Token), deadline.Token).ConfigureAwait(false);
            return new Probe(ProbeKind.Answered, HttpStatusCode.OK, "answered");
        }
        catch (MeshClusterException ex) when (ex.StatusCode is { } status)
        {
            return new Probe(ProbeKind.Answered, status, ex.Message);
        }
        catch (MeshClusterException ex) when (ex.ErrorId == ErrorIds.KubeApiUnreachable)
        {
            if (ExceptionChain.Find<AuthenticationException>(ex) is { } tls)
            {
                return new Probe(ProbeKind.TlsFailed, null,
                    $"The server's certificate is not verified by the secret's CA ({tls.Message.TrimEnd('.')}): a wrong certificate-authority-data, or a certificate that does not name {connection.Server} (or its tls-server-name).");
            }

            return new Probe(ProbeKind.Unreachable, null, $"Cannot reach {connection.Server}: {Innermost(ex).Message.TrimEnd('.')}.");
        }
        catch (MeshClusterException ex)
        {
            // An answer, but no API server's (more than 16 MiB, or not JSON): a result of this remote, never the end of the command.
            return new Probe(ProbeKind.Unreachable, null, $"{connection.Server} answers /version, but not as a Kubernetes API server: {ex.Message.TrimEnd('.')}.");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // A refused connection is retried until the deadline too: the debug stream shows each attempt and why. Whether the server answers
            // at all tells a silent server from a -Timeout too short for any answer (a second's grace, issue 20 point 10).
            var answers = await KubeApi.AnswersAsync(connection, ct).ConfigureAwait(false);
            return new Probe(ProbeKind.Unreachable, null, answers
                ? $"No answer from {connection.Server} within the -Timeout of {TimeoutRule.Text(timeout)}, though it answers (/version, asked again without it): the -Timeout is too short."
                : $"No answer from {connection.Server} within {TimeoutRule.Text(timeout)} (-Timeout); $DebugPreference = 'Continue' shows each attempt.");
        }
    }

    private static Exception Innermost(Exception ex) => ex.InnerException is null ? ex : Innermost(ex.InnerException);
}
