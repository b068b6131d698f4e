using System.Diagnostics;
using MeshCluster.TestGround;

namespace MeshCluster.Module.Tests;

/// <summary>
/// Runs the istioctl stand-in as a process of its own, its version given to that process only (no process-wide variable, so a
/// test outside the stand-in's collection can use it): <c>istioctl install -y -f spec --context ctx --kubeconfig file</c>.
/// </summary>
internal static class StandInRunner
{
    /// <summary>An IstioOperator for a remote in the namespace given (values.global.istioNamespace).</summary>
    public static string Spec(string ns, string? profile, string address, string clusterName = "si-remote") => $"""
        apiVersion: install.istio.io/v1alpha1
        kind: IstioOperator
        spec:
        {(profile is null ? "" : $"  profile: {profile}\n")}  values:
            global:
              istioNamespace: {ns}
              meshID: mesh1
              multiCluster:
                clusterName: {clusterName}
              network: network1
              remotePilotAddress: "{address}"
        {(profile is null ? "" : $"    istiodRemote:\n      injectionPath: /inject/cluster/{clusterName}/net/network1\n")}
        """;

    public static async Task<(int ExitCode, string Output)> InstallAsync(string version, string specYaml, string kubeConfig, string context, CancellationToken ct)
    {
        var spec = Path.Combine(Path.GetTempPath(), $"standin-spec-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(spec, specYaml, ct);
        try
        {
            var info = new ProcessStartInfo(RepositoryLayout.IstioctlStandIn) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[] { "install", "-y", "-f", spec, "--context", context, "--kubeconfig", kubeConfig }) info.ArgumentList.Add(arg);
            info.Environment["ISTIOCTL_STANDIN_VERSION"] = version;
            info.Environment.Remove("ISTIOCTL_STANDIN_LOG");
            info.Environment.Remove("ISTIOCTL_STANDIN_FAIL");
            info.Environment.Remove("ISTIOCTL_STANDIN_WAIT_FOR");
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync(ct);
            var stderr = process.StandardError.ReadToEndAsync(ct);
            await process.WaitForExitAsync(ct);
            var output = await stdout + await stderr;
            TestContext.Current.TestOutputHelper?.WriteLine(output);
            return (process.ExitCode, output);
        }
        finally
        {
            File.Delete(spec);
        }
    }
}
