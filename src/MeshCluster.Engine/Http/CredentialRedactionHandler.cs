namespace MeshCluster.Engine.Http;

/// <summary>
/// Registers every bearer token a request carries with <see cref="SecretRedactor"/>. Tokens from
/// exec plugins (kubelogin, aws eks get-token) and auth providers are minted at request time and
/// never pass through the kubeconfig loader, so this is where they can first be seen.
/// </summary>
public sealed class CredentialRedactionHandler : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        SecretRedactor.Register(request.Headers.Authorization?.Parameter);
        return base.SendAsync(request, cancellationToken);
    }
}
