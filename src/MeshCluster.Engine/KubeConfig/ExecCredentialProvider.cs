using System.Management.Automation;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using k8s.Authentication;
using k8s.KubeConfigModels;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Processes;

namespace MeshCluster.Engine.KubeConfig;

/// <summary>
/// Runs a kubeconfig's exec credential plugin (kubelogin, aws eks get-token, gke-gcloud-auth-plugin) the
/// way kubectl does, instead of KubernetesClient's runner: the arguments go to the plugin as given (none
/// split at spaces), Ctrl+C and the 2-minute limit kill the plugin and its children, and a failure says
/// what the plugin said on stderr, never what it printed on stdout (that is where the token is).
/// The token is kept until the expiry the plugin gives (for the whole session when it gives none).
/// </summary>
// CA1001: the provider lives as long as the cached client that holds it (the session); its gate is a SemaphoreSlim
// without a wait handle, which holds nothing to release.
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Lives as long as the session's cached client; SemaphoreSlim without a wait handle holds nothing.")]
internal sealed class ExecCredentialProvider : ITokenProvider
{
    /// <summary>kubectl gives a plugin no limit; two minutes is KubernetesClient's, and enough for an interactive-free login.</summary>
    public static readonly TimeSpan DefaultRunTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Renew this long before the plugin's expiry, so a token does not run out mid-request.</summary>
    private static readonly TimeSpan ExpiryMargin = TimeSpan.FromSeconds(30);

    private readonly ExternalExecution _exec;
    private readonly string _contextName;
    private readonly string _clusterInfo;
    private readonly TimeSpan _runTimeout;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private string? _token;
    private DateTime? _expires;

    /// <param name="clusterInfo">The ExecCredential spec.cluster JSON (for provideClusterInfo), or null.</param>
    public ExecCredentialProvider(ExternalExecution exec, string contextName, string? clusterInfo = null, TimeSpan? runTimeout = null)
    {
        _exec = exec;
        _contextName = contextName;
        _clusterInfo = clusterInfo ?? string.Empty;
        _runTimeout = runTimeout ?? DefaultRunTimeout;
    }

    public async Task<AuthenticationHeaderValue> GetAuthenticationHeaderAsync(CancellationToken cancellationToken)
    {
        if (Current() is { } token) return new AuthenticationHeaderValue("Bearer", token);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Current() is { } again) return new AuthenticationHeaderValue("Bearer", again);
            (_token, _expires) = await RunAsync(cancellationToken).ConfigureAwait(false);
            return new AuthenticationHeaderValue("Bearer", _token);
        }
        finally
        {
            _gate.Release();
        }
    }

    private string? Current() => _token is not null && (_expires is null || DateTime.UtcNow < _expires.Value - ExpiryMargin) ? _token : null;

    private async Task<(string Token, DateTime? Expires)> RunAsync(CancellationToken ct)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["KUBERNETES_EXEC_INFO"] = $"{{\"apiVersion\":{JsonSerializer.Serialize(_exec.ApiVersion)},\"kind\":\"ExecCredential\",\"spec\":{{\"interactive\":false{_clusterInfo}}}}}",
        };
        foreach (var variable in _exec.EnvironmentVariables ?? Array.Empty<Dictionary<string, string>>())
        {
            if (!variable.TryGetValue("name", out var name) || string.IsNullOrEmpty(name) || !variable.TryGetValue("value", out var value))
            {
                throw Failed("an entry of its 'env' list has no name or value", ErrorCategory.InvalidData);
            }

            environment[name] = value ?? string.Empty;
        }

        var stdout = new StringBuilder();
        var stderr = new Queue<string>();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(_runTimeout);
        ChildProcessResult run;
        try
        {
            run = await ChildProcess.RunAsync(_exec.Command, _exec.Arguments?.ToArray() ?? Array.Empty<string>(), environment, (line, isError) =>
            {
                lock (stdout)
                {
                    if (!isError) stdout.AppendLine(line);
                    else if (stderr.Count < ChildProcess.TailLines) stderr.Enqueue(line);
                }
            }, reason => Failed($"it cannot be started ({reason})", ErrorCategory.AuthenticationError), limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw Failed($"it did not answer within {_runTimeout.TotalSeconds:0.#} s and was stopped", ErrorCategory.OperationTimeout);
        }

        string output;
        string said;
        lock (stdout)
        {
            output = stdout.ToString();
            said = string.Join(" ", stderr).Trim();
        }

        if (run.ExitCode != 0)
        {
            throw Failed($"it exited with code {run.ExitCode}" + (said.Length == 0 ? string.Empty : $": {said}"), ErrorCategory.AuthenticationError);
        }

        return Parse(output);
    }

    private (string Token, DateTime? Expires) Parse(string output)
    {
        JsonElement status;
        try
        {
            using var document = JsonDocument.Parse(output);
            var root = document.RootElement;
            var apiVersion = root.TryGetProperty("apiVersion", out var v) ? v.GetString() : null;
            if (!string.Equals(apiVersion, _exec.ApiVersion, StringComparison.Ordinal))
            {
                throw Failed($"it answered apiVersion '{apiVersion}', not the kubeconfig's '{_exec.ApiVersion}'", ErrorCategory.InvalidResult);
            }

            status = root.TryGetProperty("status", out var s) ? s.Clone() : default;
        }
        catch (JsonException)
        {
            // Not quoted: stdout is where a token would be.
            throw Failed("its output is not an ExecCredential (JSON)", ErrorCategory.InvalidResult);
        }

        var token = status.ValueKind == JsonValueKind.Object && status.TryGetProperty("token", out var t) ? t.GetString() : null;
        if (string.IsNullOrEmpty(token))
        {
            var certificate = status.ValueKind == JsonValueKind.Object && status.TryGetProperty("clientCertificateData", out _);
            throw Failed(certificate
                ? "it answered with a client certificate; MeshCluster takes bearer tokens from credential plugins"
                : "its ExecCredential has no status.token", ErrorCategory.InvalidResult);
        }

        SecretRedactor.Register(token);
        DateTime? expires = status.TryGetProperty("expirationTimestamp", out var e) && e.ValueKind == JsonValueKind.String && e.TryGetDateTime(out var at)
            ? at.ToUniversalTime()
            : null;
        return (token, expires);
    }

    private MeshClusterException Failed(string what, ErrorCategory category) =>
        new(ErrorIds.KubeCredentialPluginFailed, category,
            $"The credential plugin '{_exec.Command}' of context '{_contextName}' failed: {what}." +
            (string.IsNullOrEmpty(_exec.InstallHint) ? string.Empty : " " + _exec.InstallHint.Trim()),
            target: _contextName);
}
