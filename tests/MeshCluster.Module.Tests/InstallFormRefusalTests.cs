using System.Management.Automation;
using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using MeshCluster.TestGround;

namespace MeshCluster.Module.Tests;

/// <summary>
/// Install-IstioRemote judging a spec by istioctl's version before it runs anything (InstallFormRules): each refusal through the
/// module, with the stand-in as that istioctl, runs only the version query, writes nothing in cluster2 (no namespace, no
/// annotation), and names its id, category and target, with -WhatIf too; what the charts do install runs.
/// </summary>
[Collection(nameof(IstioctlStandInCollection))]
public sealed class InstallFormRefusalTests : TempFolderTest
{
    private const string Cmdlet = "MeshCluster.Commands.InstallIstioRemoteCommand";
    private const string Annotation = "topology.istio.io/controlPlaneClusters";
    private static readonly string[] Variables = { "ISTIOCTL", "ISTIOCTL_STANDIN_VERSION", "ISTIOCTL_STANDIN_LOG", "ISTIOCTL_STANDIN_FAIL", "ISTIOCTL_STANDIN_WAIT_FOR" };
    private static readonly string[] VersionQuery = { "version", "--remote=false", "-o", "json" };
    private readonly ClustersFixture _fixture;
    private readonly TestCluster _c2;
    private readonly string _log;
    private readonly Dictionary<string, string?> _saved;
    private readonly List<string> _namespaces = new();

    public InstallFormRefusalTests(ClustersFixture fixture)
        : base("install-form-")
    {
        _fixture = fixture;
        _c2 = fixture.Clusters.Cluster2;
        _saved = Variables.ToDictionary(v => v, Environment.GetEnvironmentVariable);
        foreach (var v in Variables) Environment.SetEnvironmentVariable(v, null);
        _log = Path.Combine(TempDir, "istioctl.log");
        Environment.SetEnvironmentVariable("ISTIOCTL_STANDIN_LOG", _log);
    }

    public override void Dispose()
    {
        foreach (var (k, v) in _saved) Environment.SetEnvironmentVariable(k, v);
        base.Dispose();
        foreach (var ns in _namespaces)
        {
            try { _c2.Admin.CoreV1.DeleteNamespaceAsync(ns).GetAwaiter().GetResult(); }
            catch (Exception) { /* never made, or the 1.20 delete body the typed client cannot read */ }
        }
    }

    private static string StandIn => RepositoryLayout.IstioctlStandIn;

    /// <summary>The guide's form ($args[0] the namespace, $args[2] the address).</summary>
    private const string GuideSpec = "New-IstioRemoteInstallSpec -ClusterName remote2 -Network network1 -MeshId mesh1 -RemotePilotAddress $args[2] -Values @{ global = @{ istioNamespace = $args[0] } }";

    /// <summary>The remote profile naming its primary ($args[0] the namespace, $args[2] the address, $args[3] the primary).</summary>
    private const string RemoteSpec = GuideSpec + " -Profile Remote -PrimaryClusterName $args[3]";

    private const string Install = " | Install-IstioRemote -Context $C2 -IstioctlPath $args[1]";

    [Theory]
    [InlineData("1.24.0", "")]
    [InlineData("1.26.3", "")]
    [InlineData("1.26.3", " -WhatIf")]
    public async Task The_guide_form_with_istioctl_1_24_and_later_is_refused_saying_what_to_do(string version, string whatIf)
    {
        Environment.SetEnvironmentVariable("ISTIOCTL_STANDIN_VERSION", version);
        var ns = Ns("form-124");
        using var ps = _fixture.NewSession();

        var result = ps.Invoke(GuideSpec + Install + whatIf, ns, StandIn, "192.0.2.10");

        var error = AssertRefused(result, "InstallSpecFormUnsupported", "remote2");
        Assert.Contains($"istioctl {version} installs as an independent primary", error.Exception.Message);
        Assert.Contains("New-IstioRemoteInstallSpec ... -Profile Remote -PrimaryClusterName <primary cluster>", error.Exception.Message);
        Assert.EndsWith("[InstallSpecFormUnsupported]", error.ToString());
        Assert.Contains("-Profile Remote", error.ErrorDetails.RecommendedAction);
        await AssertNothingWrittenAsync(ns);
    }

    [Fact]
    public async Task A_spec_file_of_the_guide_form_is_refused_with_the_file_as_target()
    {
        Environment.SetEnvironmentVariable("ISTIOCTL_STANDIN_VERSION", "1.24.0");
        var ns = Ns("form-file");
        var file = Path.Combine(TempDir, "install.yaml");
        using var ps = _fixture.NewSession();
        ps.Invoke(GuideSpec + " -Path $args[1]", ns, file, "192.0.2.10").AssertSucceeded();

        var result = ps.Invoke("Install-IstioRemote -Path $args[0] -Context $C2 -IstioctlPath $args[1] -ErrorAction Stop", file, StandIn);

        Assert.NotNull(result.Terminating);
        var error = result.FirstError!;
        Assert.StartsWith("InstallSpecFormUnsupported," + Cmdlet, error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidOperation, error.CategoryInfo.Category);
        Assert.Equal(file, error.TargetObject);
        Assert.Equal(VersionQuery, Assert.Single(Calls()));
        await AssertNothingWrittenAsync(ns);
    }

    [Theory]
    [InlineData("1.7.8", "the default profile without Prometheus")]
    [InlineData("1.14.6", "the default profile (spec: {})")]
    [InlineData("1.15.2", "has no remote profile")]
    public async Task The_remote_profile_before_1_16_is_refused_and_the_existing_namespace_is_not_annotated(string version, string meaning)
    {
        Environment.SetEnvironmentVariable("ISTIOCTL_STANDIN_VERSION", version);
        var ns = Ns("form-old");
        await _c2.EnsureNamespaceAsync(ns, Ct);
        using var ps = _fixture.NewSession();

        var result = ps.Invoke(RemoteSpec + Install, ns, StandIn, "192.0.2.10", "cluster1");

        var error = AssertRefused(result, "InstallSpecFormUnsupported", "remote2");
        Assert.Contains(meaning, error.Exception.Message);
        Assert.Contains("istioctl 1.16 or later", error.Exception.Message);
        var existing = await _c2.Admin.CoreV1.ReadNamespaceAsync(ns, cancellationToken: Ct);
        Assert.False(existing.Metadata.Annotations?.ContainsKey(Annotation) ?? false, "the namespace was annotated although nothing was to run");
    }

    [Theory]
    [InlineData("1.7.8", "")]
    [InlineData("1.14.6", " -WhatIf")]
    public async Task A_host_name_in_the_guide_form_before_1_15_is_refused(string version, string whatIf)
    {
        Environment.SetEnvironmentVariable("ISTIOCTL_STANDIN_VERSION", version);
        var ns = Ns("form-host");
        using var ps = _fixture.NewSession();

        var result = ps.Invoke(GuideSpec + Install + whatIf, ns, StandIn, "istiod.example.com");

        var error = AssertRefused(result, "RemotePilotAddressUnsupported", "istiod.example.com");
        Assert.Contains("Endpoints istiod-remote as an IP", error.Exception.Message);
        Assert.Contains("Give the IP address the name resolves to, or use istioctl 1.15", error.Exception.Message);
        await AssertNothingWrittenAsync(ns);
    }

    [Fact]
    public void A_host_name_in_the_guide_form_runs_with_istioctl_1_15()
    {
        Environment.SetEnvironmentVariable("ISTIOCTL_STANDIN_VERSION", "1.15.2");
        using var ps = _fixture.NewSession();

        var result = ps.Invoke(GuideSpec + Install, Ns("form-host15"), StandIn, "istiod.example.com");

        result.AssertSucceeded();
        Assert.Equal("1.15.2", Assert.Single(result.Output).Prop("IstioctlVersion"));
        Assert.Equal(new[] { "install", "-y", "-f" }, Calls()[1][..3]);
    }

    [Theory]
    [InlineData("1.24.0")]
    [InlineData("1.29.6")]
    public async Task An_IPv6_address_in_the_remote_profile_before_1_30_is_refused_and_nothing_is_annotated(string version)
    {
        Environment.SetEnvironmentVariable("ISTIOCTL_STANDIN_VERSION", version);
        var ns = Ns("form-v6");
        using var ps = _fixture.NewSession();

        var result = ps.Invoke(RemoteSpec + Install, ns, StandIn, "2001:db8::10", "cluster1");

        var error = AssertRefused(result, "RemotePilotAddressUnsupported", "2001:db8::10");
        Assert.Contains("IPv4 only until 1.30", error.Exception.Message);
        await AssertNothingWrittenAsync(ns);
    }

    [Fact]
    public async Task An_IPv6_address_in_the_remote_profile_runs_with_istioctl_1_30()
    {
        Environment.SetEnvironmentVariable("ISTIOCTL_STANDIN_VERSION", "1.30.0");
        var ns = Ns("form-v6ok");
        using var ps = _fixture.NewSession();

        var result = ps.Invoke(RemoteSpec + Install, ns, StandIn, "2001:db8::10", "cluster1");

        result.AssertSucceeded();
        Assert.Empty(result.Warnings);
        Assert.Equal("cluster1", (await _c2.Admin.CoreV1.ReadNamespaceAsync(ns, cancellationToken: Ct)).Metadata.Annotations[Annotation]);
        Assert.Equal(2, Calls().Count);
    }

    [Fact]
    public void A_host_name_in_the_remote_profile_runs_with_the_ExternalName_warning()
    {
        Environment.SetEnvironmentVariable("ISTIOCTL_STANDIN_VERSION", "1.26.3");
        using var ps = _fixture.NewSession();

        var result = ps.Invoke(RemoteSpec + Install, Ns("form-name"), StandIn, "istiod.example.com", "cluster1");

        result.AssertSucceeded();
        var warning = Assert.Single(result.Warnings);
        Assert.Contains("istio#45014", warning);
        Assert.Equal(2, Calls().Count);
    }

    [Theory]
    [InlineData("cluster1,cluster3")]
    [InlineData("*")]
    public async Task A_list_of_primaries_or_a_star_is_set_on_the_namespace_as_given(string primaries)
    {
        Environment.SetEnvironmentVariable("ISTIOCTL_STANDIN_VERSION", "1.26.3");
        var ns = Ns("form-list");
        using var ps = _fixture.NewSession();

        var result = ps.Invoke(RemoteSpec + Install + " -Verbose", ns, StandIn, "192.0.2.10", primaries);

        result.AssertSucceeded();
        Assert.Equal(primaries, (await _c2.Admin.CoreV1.ReadNamespaceAsync(ns, cancellationToken: Ct)).Metadata.Annotations[Annotation]);
        Assert.Contains($"istioctl: ✔ Namespace {ns} is controlled by cluster {primaries} ({Annotation})", result.Verbose);
    }

    [Theory]
    [InlineData("cluster1, cluster3")]
    [InlineData("cluster1,,cluster3")]
    [InlineData("cluster1;cluster3")]
    public void A_list_istiod_would_never_match_is_refused_by_New_IstioRemoteInstallSpec(string primaries)
    {
        using var ps = _fixture.NewSession();
        var result = ps.Invoke(RemoteSpec, "istio-system", StandIn, "192.0.2.10", primaries);
        var error = Assert.Single(result.Errors);
        Assert.Equal("ClusterNameInvalid,MeshCluster.Commands.NewIstioRemoteInstallSpecCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal(primaries, error.TargetObject);
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task A_spec_file_whose_annotation_istiod_would_never_match_is_refused_before_anything_is_written()
    {
        Environment.SetEnvironmentVariable("ISTIOCTL_STANDIN_VERSION", "1.26.3");
        var ns = Ns("form-badfile");
        var file = Path.Combine(TempDir, "hand-written.yaml");
        File.WriteAllText(file, $"apiVersion: install.istio.io/v1alpha1\nkind: IstioOperator\nmetadata:\n  annotations:\n    {Annotation}: \"cluster1, cluster3\"\n" +
                                $"spec:\n  profile: remote\n  values:\n    global:\n      istioNamespace: {ns}\n      remotePilotAddress: 192.0.2.10\n");
        using var ps = _fixture.NewSession();

        var result = ps.Invoke("Install-IstioRemote -Path $args[0] -Context $C2 -IstioctlPath $args[1]", file, StandIn);

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("ClusterNameInvalid," + Cmdlet, error.FullyQualifiedErrorId);
        Assert.Equal("cluster1, cluster3", error.TargetObject);
        Assert.Equal(VersionQuery, Assert.Single(Calls()));
        await AssertNothingWrittenAsync(ns);
    }

    /// <summary>The one error, its id, InvalidOperation and target; no output; istioctl ran only its version query.</summary>
    private ErrorRecord AssertRefused(PowerShellResult result, string id, string target)
    {
        var error = Assert.Single(result.Errors);
        Assert.StartsWith(id + "," + Cmdlet, error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidOperation, error.CategoryInfo.Category);
        Assert.Equal(target, error.TargetObject);
        Assert.Contains("Nothing was run.", error.Exception.Message);
        Assert.Empty(result.Output);
        Assert.Equal(VersionQuery, Assert.Single(Calls()));
        return error;
    }

    private async Task AssertNothingWrittenAsync(string ns)
    {
        try
        {
            var made = await _c2.Admin.CoreV1.ReadNamespaceAsync(ns, cancellationToken: Ct);
            Assert.Fail($"Namespace {ns} was made (annotations: {string.Join(", ", made.Metadata.Annotations?.Keys ?? Array.Empty<string>())}).");
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
        }
    }

    private string Ns(string prefix)
    {
        var ns = _fixture.UniqueName(prefix);
        _namespaces.Add(ns);
        return ns;
    }

    private List<string[]> Calls() => !File.Exists(_log)
        ? new List<string[]>()
        : File.ReadAllLines(_log).Where(l => l.Length > 0).Select(l =>
        {
            using var doc = JsonDocument.Parse(l);
            return doc.RootElement.GetProperty("args").EnumerateArray().Select(a => a.GetString()!).ToArray();
        }).ToList();
}
