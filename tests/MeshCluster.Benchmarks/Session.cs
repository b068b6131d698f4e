using System.Diagnostics;
using System.Management.Automation;
using System.Reflection;
using System.Management.Automation.Runspaces;

namespace MeshCluster.Benchmarks;

/// <summary>
/// One PowerShell session in this process (the hosted engine, System.Management.Automation), with the
/// built module imported: the in-session groups run their scripts here, one pipeline after another, as
/// a user's session or a pipeline task's script would.
/// </summary>
internal sealed class Session : IDisposable
{
    private readonly Runspace _runspace;

    private Session(Runspace runspace) => _runspace = runspace;

    public static Session Open(string manifest)
    {
        var runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
        runspace.Open();
        var session = new Session(runspace);
        session.Invoke("Import-Module $args[0] -ErrorAction Stop", manifest);
        return session;
    }

    /// <summary>The package version (7.6.9), not the assembly's (7.6.0.500).</summary>
    public static string EngineVersion =>
        typeof(PowerShell).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+', ' ')[0]
        ?? typeof(PowerShell).Assembly.GetName().Version?.ToString() ?? "?";

    /// <summary>Runs a script (arguments as $args); throws with the error ids when it wrote any error.</summary>
    public IReadOnlyList<PSObject> Invoke(string script, params object[] arguments) => Run(script, arguments, null, null).Output;

    /// <summary>Runs a script and times it (the whole pipeline: parse, bind, run, output collected).</summary>
    public double Time(string script, params object[] arguments) => Run(script, arguments, null, null).Ms;

    /// <summary>
    /// Runs a script with hooks: <paramref name="onOutput"/> sees each output object as it is written,
    /// <paramref name="onProgress"/> each progress record (both on the pipeline's thread).
    /// </summary>
    public (IReadOnlyList<PSObject> Output, double Ms, IReadOnlyList<string> Warnings) Run(string script, object[] arguments,
        Action<PSObject>? onOutput, Action<ProgressRecord>? onProgress)
    {
        using var ps = PowerShell.Create();
        ps.Runspace = _runspace;
        ps.AddScript(script);
        foreach (var a in arguments) ps.AddArgument(a);
        if (onProgress is not null) ps.Streams.Progress.DataAdded += (_, e) => onProgress(ps.Streams.Progress[e.Index]);
        var output = new PSDataCollection<PSObject>();
        if (onOutput is not null) output.DataAdded += (_, e) => onOutput(output[e.Index]);
        var stopwatch = Stopwatch.StartNew();
        ps.Invoke(null, output);
        var ms = stopwatch.Elapsed.TotalMilliseconds;
        if (ps.HadErrors && ps.Streams.Error.Count > 0)
        {
            throw new InvalidOperationException($"{script}: " + string.Join("; ", ps.Streams.Error.Select(e => e.FullyQualifiedErrorId + ": " + e)));
        }

        return (output.ToArray(), ms, ps.Streams.Warning.Select(w => w.Message).ToArray());
    }

    public void Dispose() => _runspace.Dispose();
}

/// <summary>PSObject property access for the groups' checks.</summary>
internal static class PSObjectExtensions
{
    public static string? Prop(this PSObject o, string name) => o.Properties[name]?.Value?.ToString();
}
