using System.Management.Automation;
using System.Text;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Processes;

namespace MeshCluster.Engine.Install;

/// <summary>
/// One <c>istioctl install</c> (or <c>manifest apply</c> before 1.7) as this istioctl version understands it: the command line, shown
/// before it runs (ShouldProcess, -WhatIf), then the run itself with its output streamed to Verbose, the spec's temporary file removed
/// whatever happens, and IstioctlFailed with istioctl's last lines on a non-zero exit. Shared by Install-IstioRemote and Install-IstioPrimary.
/// </summary>
public sealed class IstioctlInstallRunner
{
    private readonly string? _kubeConfigArgument;
    private readonly Dictionary<string, string>? _environment;

    /// <param name="specPath">The spec file; null: the spec's text goes through a temporary file.</param>
    public IstioctlInstallRunner(string istioctl, IstioctlVersion version, string? specPath, string contextName, IReadOnlyList<string> kubeConfigFiles)
    {
        Istioctl = istioctl;
        Version = version;
        SpecPath = specPath;
        ContextName = contextName;
        // One kubeconfig file goes on the command line; a list goes in KUBECONFIG, which istioctl merges as kubectl does.
        _kubeConfigArgument = kubeConfigFiles.Count == 1 ? kubeConfigFiles[0] : null;
        _environment = kubeConfigFiles.Count > 1
            ? new Dictionary<string, string> { ["KUBECONFIG"] = string.Join(Path.PathSeparator, kubeConfigFiles) }
            : null;
        ShownArguments = version.InstallArguments(specPath ?? RemoteInstaller.TemporaryFilePlaceholder, contextName, _kubeConfigArgument).ToArray();
        CommandLine = Quote(istioctl) + " " + string.Join(' ', ShownArguments.Select(Quote));
    }

    public string Istioctl { get; }
    public IstioctlVersion Version { get; }
    public string? SpecPath { get; }
    public string ContextName { get; }

    /// <summary>The arguments as the result shows them (a temporary file as &lt;temporary file&gt;).</summary>
    public string[] ShownArguments { get; }

    /// <summary>What ShouldProcess shows: "Run istioctl install -y -f ...".</summary>
    public string CommandLine { get; }

    /// <summary>Finds istioctl (-IstioctlPath, $env:ISTIOCTL, PATH), with progress under <paramref name="activity"/>.</summary>
    public static string Locate(string? istioctlPath, string activity, IOperationReporter reporter)
    {
        reporter.Progress(activity, "Finding istioctl", 0);
        var istioctl = IstioctlLocator.Locate(istioctlPath);
        reporter.Verbose($"Using istioctl at '{istioctl}'.");
        return istioctl;
    }

    /// <summary>
    /// Reads istioctl's version. It reads nothing from a cluster and changes nothing, so it runs under -WhatIf too: the version decides
    /// the command, and -WhatIf should show the command that would really run.
    /// </summary>
    public static async Task<IstioctlVersion> ReadVersionAsync(string istioctl, string activity, IOperationReporter reporter, CancellationToken ct)
    {
        reporter.Progress(activity, "Reading the istioctl version", 10);
        var version = await RemoteInstaller.ReadVersionAsync(istioctl, reporter, ct).ConfigureAwait(false);
        reporter.Verbose($"istioctl {version} uses '{(version.HasInstallCommand ? "install" : "manifest apply")}'.");
        return version;
    }

    /// <summary>Runs istioctl on the spec file (or on <paramref name="specYaml"/> in a temporary file); throws IstioctlFailed on a non-zero exit.</summary>
    public async Task<ChildProcessResult> RunAsync(string? specYaml, string activity, IOperationReporter reporter, CancellationToken ct)
    {
        string? temporary = null;
        try
        {
            var specFile = SpecPath;
            if (specFile is null)
            {
                temporary = Path.Combine(Path.GetTempPath(), $"meshcluster-install-{Guid.NewGuid():N}.yaml");
                await File.WriteAllTextAsync(temporary, specYaml, new UTF8Encoding(false), ct).ConfigureAwait(false);
                specFile = temporary;
            }

            var arguments = Version.InstallArguments(specFile, ContextName, _kubeConfigArgument);
            reporter.Progress(activity, $"Running istioctl {arguments[0]} in context '{ContextName}'", 30);
            reporter.Verbose($"Running {Quote(Istioctl)} {string.Join(' ', arguments.Select(Quote))}");
            var run = await ChildProcess.RunAsync(Istioctl, arguments, _environment,
                (line, _) => reporter.Verbose("istioctl: " + line), StartFailed(Istioctl), ct).ConfigureAwait(false);

            if (run.ExitCode != 0)
            {
                throw new MeshClusterException(ErrorIds.IstioctlFailed, ErrorCategory.InvalidResult,
                    $"istioctl {string.Join(' ', arguments.Take(Version.HasInstallCommand ? 1 : 2))} failed in context '{ContextName}' with exit code {run.ExitCode}. " +
                    $"Its last output:{Environment.NewLine}{string.Join(Environment.NewLine, run.Tail)}",
                    target: ContextName);
            }

            reporter.Progress(activity, "Done", 100);
            reporter.ProgressCompleted(activity);
            return run;
        }
        finally
        {
            // Also on failure and Ctrl+C: the spec never outlives the call.
            if (temporary is not null)
            {
                try { File.Delete(temporary); }
                catch (IOException ex) { reporter.Warning($"The temporary spec '{temporary}' could not be removed: {ex.Message}"); }
            }
        }
    }

    internal static Func<string, MeshClusterException> StartFailed(string istioctl) => reason =>
        new(ErrorIds.IstioctlStartFailed, ErrorCategory.ResourceUnavailable, $"'{istioctl}' could not be started: {reason}.", target: istioctl);

    internal static string Quote(string s) => s.Length > 0 && s.All(c => !char.IsWhiteSpace(c) && c is not '"' and not '\'') ? s : "'" + s.Replace("'", "''") + "'";
}
