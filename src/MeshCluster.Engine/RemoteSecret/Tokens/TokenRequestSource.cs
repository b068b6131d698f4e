using System.Management.Automation;
using System.Text;
using k8s;
using k8s.Models;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Http;

namespace MeshCluster.Engine.RemoteSecret;

/// <summary>
/// -TokenLifetime: a time-bound token from the TokenRequest API (POST serviceaccounts/&lt;name&gt;/token,
/// bound to no object) instead of a long-lived token secret. It stops working at its expiry; nothing
/// can revoke it earlier but deleting the service account.
/// </summary>
public static class TokenRequestSource
{
    /// <summary>The API server refuses expirationSeconds below 600.</summary>
    public static readonly TimeSpan Minimum = TimeSpan.FromMinutes(10);

    /// <summary>The largest lifetime accepted here: about 100 years, far above any API server's cap.</summary>
    public static readonly TimeSpan Maximum = TimeSpan.FromDays(36500);

    /// <summary>TokenLifetimeInvalid (terminating: every input would fail alike) unless within [10 min, 100 years].</summary>
    public static void Validate(TimeSpan lifetime)
    {
        if (lifetime >= Minimum && lifetime <= Maximum) return;
        throw new MeshClusterException(ErrorIds.TokenLifetimeInvalid, ErrorCategory.InvalidArgument,
            $"-TokenLifetime {lifetime} is {(lifetime < Minimum ? "shorter than the API server's minimum of 10 minutes" : "longer than 100 years")}.",
            target: lifetime, terminating: true,
            recommendedAction: "Use a lifetime of at least 00:10:00, e.g. -TokenLifetime 7.00:00:00, and renew the token before it expires (see Get-Help Publish-IstioRemoteSecret).");
    }

    /// <param name="caTimeout">How long to wait for a new service account's token secret when its ca.crt is the only CA to be had (before 1.21).</param>
    public static async Task<ServiceAccountToken> RequestAsync(KubeConnection remote, V1ServiceAccount account, TimeSpan lifetime, TimeSpan caTimeout,
        IOperationReporter reporter, CancellationToken ct)
    {
        var ns = account.Metadata.NamespaceProperty;
        var name = account.Metadata.Name;
        var ca = await CertificateAuthorityAsync(remote, account, caTimeout, reporter, ct).ConfigureAwait(false);
        var seconds = (long)Math.Floor(lifetime.TotalSeconds);
        reporter.Verbose($"Requesting a token for ServiceAccount {ns}/{name} in context '{remote.ContextName}' valid for {seconds} s (TokenRequest API, bound to no object).");
        var answer = await KubeApi.CallAsync(remote, $"requesting a token for ServiceAccount {ns}/{name}",
            c => c.Client.CoreV1.CreateNamespacedServiceAccountTokenAsync(new Authenticationv1TokenRequest
            {
                Spec = new V1TokenRequestSpec { ExpirationSeconds = seconds, Audiences = new List<string>() },
            }, name, ns, cancellationToken: c.Token), ct).ConfigureAwait(false);

        var token = answer.Status?.Token;
        if (string.IsNullOrEmpty(token))
        {
            throw new MeshClusterException(ErrorIds.KubeApiError, ErrorCategory.InvalidResult,
                $"The API server of context '{remote.ContextName}' answered the token request for ServiceAccount {ns}/{name} without a token.", target: $"{ns}/{name}");
        }

        SecretRedactor.Register(token);
        SecretRedactor.Register(Convert.ToBase64String(Encoding.UTF8.GetBytes(token)));
        DateTimeOffset? expires = answer.Status!.ExpirationTimestamp is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : null;
        expires = JwtClaims.Read(token)?.Expires ?? expires;
        if (expires is { } e && e < DateTimeOffset.UtcNow + lifetime - TimeSpan.FromMinutes(1))
        {
            reporter.Warning($"The API server of context '{remote.ContextName}' shortened the token's lifetime: it expires at {e:u}, not in {lifetime} (its --service-account-max-token-expiration).");
        }

        reporter.Debug($"Token for ServiceAccount {ns}/{name}: {token.Length} characters, expires at {expires:u}.");
        return new ServiceAccountToken(null, token, ca, expires);
    }

    /// <summary>The remote cluster's CA: the kube-root-ca.crt ConfigMap of the namespace (Kubernetes 1.20 on), else a token secret's ca.crt.</summary>
    private static async Task<byte[]> CertificateAuthorityAsync(KubeConnection remote, V1ServiceAccount account, TimeSpan timeout,
        IOperationReporter reporter, CancellationToken ct)
    {
        var ns = account.Metadata.NamespaceProperty;
        var map = await KubeApi.TryGetAsync(remote, $"reading ConfigMap {ns}/kube-root-ca.crt",
            c => c.Client.CoreV1.ReadNamespacedConfigMapAsync("kube-root-ca.crt", ns, cancellationToken: c.Token), ct).ConfigureAwait(false);
        if (map?.Data?.TryGetValue("ca.crt", out var pem) == true && !string.IsNullOrWhiteSpace(pem))
        {
            reporter.Verbose($"Using the CA certificate of ConfigMap {ns}/kube-root-ca.crt in context '{remote.ContextName}'.");
            return Encoding.UTF8.GetBytes(pem);
        }

        // Before 1.24 the service account lists its token secret, whose ca.crt is the same certificate.
        foreach (var listed in await ServiceAccountTokenSource.WaitListedAsync(remote, account, timeout, reporter, ct).ConfigureAwait(false))
        {
            var secret = await KubeApi.TryReadSecretAsync(remote, ns, listed, ct).ConfigureAwait(false);
            ServiceAccountTokenSource.IsFilled(secret); // registers its token: read for ca.crt only, it must show nowhere
            if (secret?.Data?.TryGetValue("ca.crt", out var ca) == true && ca.Length > 0)
            {
                reporter.Verbose($"No ConfigMap {ns}/kube-root-ca.crt in context '{remote.ContextName}': using the ca.crt of token secret {ns}/{listed}.");
                return ca;
            }
        }

        throw new MeshClusterException(ErrorIds.ServiceAccountCaNotFound, ErrorCategory.ObjectNotFound,
            $"Context '{remote.ContextName}' has neither a ConfigMap {ns}/kube-root-ca.crt nor a token secret of ServiceAccount '{account.Metadata.Name}' with a ca.crt: the remote secret would have no CA to verify the API server with.",
            target: $"{ns}/kube-root-ca.crt",
            recommendedAction: "Check that kube-controller-manager runs (its root-ca-cert-publisher writes kube-root-ca.crt in every namespace).");
    }
}
