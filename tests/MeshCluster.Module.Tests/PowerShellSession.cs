using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using MeshCluster.TestGround;

namespace MeshCluster.Module.Tests;

/// <summary>
/// The real PowerShell engine, hosted in-process, with the built module folder imported as a user
/// would: <c>Import-Module out/MeshCluster/MeshCluster.psd1</c>.
/// </summary>
public sealed class PowerShellSession : IDisposable
{
    private readonly Runspace _runspace;

    private PowerShellSession(Runspace runspace) => _runspace = runspace;

    /// <summary>A new runspace; with <paramref name="importModule"/> the module is imported (and must import cleanly).</summary>
    public static PowerShellSession Start(bool importModule = true, IDictionary<string, object?>? variables = null)
    {
        var iss = InitialSessionState.CreateDefault2();
        var runspace = RunspaceFactory.CreateRunspace(iss);
        runspace.Open();
        var session = new PowerShellSession(runspace);
        if (variables is not null)
        {
            foreach (var (name, value) in variables) session.SetVariable(name, value);
        }

        if (importModule)
        {
            var import = session.Invoke("Import-Module $args[0] -ErrorAction Stop", RepositoryLayout.ModuleManifest);
            if (import.Terminating is not null || import.Errors.Count > 0)
            {
                throw new InvalidOperationException("Import-Module failed: " + import.AllErrorText());
            }
        }

        return session;
    }

    public void SetVariable(string name, object? value) => _runspace.SessionStateProxy.SetVariable(name, value);

    public object? GetVariable(string name) => _runspace.SessionStateProxy.GetVariable(name);

    /// <summary>Runs a script; arguments are available as $args. Never throws for script errors: look at the result.</summary>
    public PowerShellResult Invoke(string script, params object?[] args) => InvokeAsync(script, null, args).GetAwaiter().GetResult();

    /// <summary>
    /// Runs a script asynchronously; <paramref name="stopAfter"/> stops the pipeline (as Ctrl+C does) when it
    /// passes, so a test can measure how fast a cmdlet honours StopProcessing.
    /// </summary>
    public async Task<PowerShellResult> InvokeAsync(string script, TimeSpan? stopAfter, params object?[] args)
    {
        using var ps = PowerShell.Create();
        ps.Runspace = _runspace;
        ps.AddScript(script);
        foreach (var arg in args) ps.AddArgument(arg);

        var result = new PowerShellResult();
        var started = DateTime.UtcNow;
        try
        {
            var invocation = ps.InvokeAsync();
            if (stopAfter is { } delay)
            {
                var finished = await Task.WhenAny(invocation, Task.Delay(delay)).ConfigureAwait(false);
                if (finished != invocation)
                {
                    result.StopRequestedAt = DateTime.UtcNow;
                    await ps.StopAsync(null, null).ConfigureAwait(false);
                }
            }

            result.Output = new Collection<PSObject>((await invocation.ConfigureAwait(false)).ToList());
        }
        catch (PipelineStoppedException ex)
        {
            result.Stopped = ex;
        }
        catch (RuntimeException ex)
        {
            result.Terminating = ex;
        }

        result.Duration = DateTime.UtcNow - started;
        result.Errors = ps.Streams.Error.ToList();
        result.Verbose = ps.Streams.Verbose.Select(v => v.Message).ToList();
        result.Warnings = ps.Streams.Warning.Select(w => w.Message).ToList();
        result.Debug = ps.Streams.Debug.Select(d => d.Message).ToList();
        result.Progress = ps.Streams.Progress.ToList();
        result.Information = ps.Streams.Information.Select(i => i.MessageData?.ToString() ?? string.Empty).ToList();
        return result;
    }

    public void Dispose() => _runspace.Dispose();
}

/// <summary>What a script produced, stream by stream.</summary>
public sealed class PowerShellResult
{
    public Collection<PSObject> Output { get; set; } = new();
    public List<ErrorRecord> Errors { get; set; } = new();
    public List<string> Verbose { get; set; } = new();
    public List<string> Warnings { get; set; } = new();
    public List<string> Debug { get; set; } = new();
    public List<ProgressRecord> Progress { get; set; } = new();
    public List<string> Information { get; set; } = new();

    /// <summary>The terminating error, if the script ended with one (-ErrorAction Stop, throw).</summary>
    public RuntimeException? Terminating { get; set; }

    public PipelineStoppedException? Stopped { get; set; }
    public DateTime? StopRequestedAt { get; set; }
    public TimeSpan Duration { get; set; }

    /// <summary>The error record of the terminating error, else the first non-terminating one.</summary>
    public ErrorRecord? FirstError => Terminating?.ErrorRecord ?? Errors.FirstOrDefault();

    public T Single<T>() => (T)Assert.Single(Output).BaseObject;

    /// <summary>No error of either kind; the message lists the ones there were.</summary>
    public void AssertSucceeded() => Assert.True(Errors.Count == 0 && Terminating is null, AllErrorText());

    /// <summary>None of <paramref name="secrets"/> (nor its base64) in any stream, output property or error.</summary>
    public void AssertNoSecret(IEnumerable<string> secrets)
    {
        var text = EverythingAsText();
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(secret)), text, StringComparison.Ordinal);
        }
    }

    public string AllErrorText() =>
        string.Join(Environment.NewLine, Errors.Select(e => $"{e.FullyQualifiedErrorId}: {e}")
            .Concat(Terminating is null ? Array.Empty<string>() : new[] { $"{Terminating.ErrorRecord.FullyQualifiedErrorId}: {Terminating.Message}" }));

    /// <summary>Everything any stream carried, as text: for asserting that a secret appears nowhere.</summary>
    public string EverythingAsText() =>
        string.Join(Environment.NewLine, Output.Select(o => o?.ToString())
            .Concat(Output.SelectMany(o => o?.Properties.Select(p => $"{p.Name}={ValueText(p)}") ?? Enumerable.Empty<string>()))
            .Concat(Errors.SelectMany(ErrorText))
            .Concat(Terminating is null ? Array.Empty<string>() : ErrorText(Terminating.ErrorRecord).Append(Terminating.ToString()))
            .Concat(Verbose).Concat(Warnings).Concat(Debug).Concat(Information)
            .Concat(Progress.Select(p => $"{p.Activity} {p.StatusDescription} {p.CurrentOperation}")));

    private static string? ValueText(PSPropertyInfo p)
    {
        try { return p.Value is System.Collections.IEnumerable e and not string ? string.Join(",", e.Cast<object>()) : p.Value?.ToString(); }
        catch (Exception ex) { return ex.Message; }
    }

    private static IEnumerable<string> ErrorText(ErrorRecord e) => new[]
    {
        e.ToString(), e.FullyQualifiedErrorId, e.Exception?.ToString() ?? string.Empty, e.TargetObject?.ToString() ?? string.Empty,
        e.ErrorDetails?.Message ?? string.Empty, e.ErrorDetails?.RecommendedAction ?? string.Empty, e.CategoryInfo.ToString(),
    };
}
