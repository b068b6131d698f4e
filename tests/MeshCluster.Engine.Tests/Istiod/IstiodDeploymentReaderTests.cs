using System.Text.Json;
using k8s;
using k8s.Models;
using MeshCluster.Engine.Http;
using MeshCluster.Engine.Istiod;

namespace MeshCluster.Engine.Tests.Istiod;

/// <summary>istiod's settings as its chart renders them (istio-discovery/templates/deployment.yaml) and as istiod reads them.</summary>
public sealed class IstiodDeploymentReaderTests
{
    /// <summary>
    /// The Deployment as the module reads it: KubernetesClient's model written as the API server's JSON and read back into the module's
    /// shape, so a field the shape names differently from the API is caught here.
    /// </summary>
    internal static DeploymentShape Deployment(string name = "istiod", string image = "docker.io/istio/pilot:1.26.0", IDictionary<string, string>? env = null,
        IList<string>? args = null, IDictionary<string, string>? labels = null, int? replicas = 1, IList<V1EnvVar>? rawEnv = null) =>
        Shape(Model(name, image, env, args, labels, replicas, rawEnv));

    internal static DeploymentShape Shape(V1Deployment deployment) =>
        JsonSerializer.Deserialize(KubernetesJson.Serialize(deployment), ShapeJson.Default.DeploymentShape)!;

    private static V1Deployment Model(string name, string image, IDictionary<string, string>? env, IList<string>? args, IDictionary<string, string>? labels,
        int? replicas, IList<V1EnvVar>? rawEnv) => new()
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = "istio-system",
                Labels = labels ?? new Dictionary<string, string> { ["app"] = "istiod", ["istio.io/rev"] = "default" },
            },
            Spec = new V1DeploymentSpec
            {
                Replicas = replicas,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["istio"] = "pilot" } },
                Template = new V1PodTemplateSpec
                {
                    Spec = new V1PodSpec
                    {
                        Containers = new List<V1Container>
                    {
                        new()
                        {
                            Name = "discovery",
                            Image = image,
                            Args = args ?? new List<string> { "discovery", "--monitoringAddr=:15014" },
                            Env = rawEnv ?? (env ?? new Dictionary<string, string>()).Select(e => new V1EnvVar { Name = e.Key, Value = e.Value }).ToList(),
                        },
                    },
                    },
                },
            },
        };

    [Fact]
    public void Reads_the_chart_values_as_istiod_reads_its_environment()
    {
        var istiod = IstiodDeploymentReader.FromDeployment(Deployment(env: new Dictionary<string, string>
        {
            ["CLUSTER_ID"] = "cluster1",
            ["EXTERNAL_ISTIOD"] = "true",
            ["PILOT_INSECURE_MULTICLUSTER_KUBECONFIG_OPTIONS"] = "exec,gcp, clientKey",
            ["ISTIO_MULTIROOT_MESH"] = "1",
        }))!;
        Assert.Equal(("istiod", "istio-system", "default", 1), (istiod.Name, istiod.Namespace, istiod.Revision, istiod.Replicas));
        Assert.Equal("cluster1", istiod.ClusterId);
        Assert.True(istiod.ExternalIstiod);
        Assert.True(istiod.MultiRootMesh);
        Assert.Null(istiod.AutoReloadPluginCerts);
        // strings.Split(v, ","): no trimming, so " clientKey" is what istiod holds.
        Assert.Equal(new[] { " clientKey", "exec", "gcp" }, istiod.InsecureKubeConfigOptions!.Order(StringComparer.Ordinal));
        Assert.Equal(new IstioVersion(1, 26, 0), istiod.Version);
        Assert.Equal("its image tag '1.26.0'", istiod.VersionSource);
        Assert.Equal("Deployment istio-system/istiod (1.26.0)", istiod.ToString());
    }

    [Fact]
    public void Defaults_are_istiods_own_when_the_chart_sets_nothing()
    {
        var istiod = IstiodDeploymentReader.FromDeployment(Deployment())!;
        Assert.Equal("Kubernetes", istiod.ClusterId); // constants.DefaultClusterName
        Assert.False(istiod.ExternalIstiod);
        Assert.False(istiod.MultiRootMesh);
        Assert.Empty(istiod.InsecureKubeConfigOptions!);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("True", true)]
    [InlineData("t", true)]
    [InlineData("1", true)]
    [InlineData("false", false)]
    [InlineData("0", false)]
    [InlineData("yes", false)] // strconv.ParseBool fails: istiod keeps the default
    [InlineData("", false)]
    public void Booleans_are_read_as_strconv_ParseBool_reads_them(string value, bool expected) =>
        Assert.Equal(expected, IstiodDeploymentReader.FromDeployment(Deployment(env: new Dictionary<string, string> { ["EXTERNAL_ISTIOD"] = value }))!.ExternalIstiod);

    [Fact]
    public void JSON_nulls_in_the_lists_are_skipped_not_a_NullReferenceException()
    {
        // No API server sends these; a proxy answering in its place may (issue 20, point 6).
        const string json = """
            {"metadata":{"name":"istiod","namespace":"istio-system","labels":{"app":"istiod","istio.io/rev":null}},
             "spec":{"template":{"spec":{"containers":[null,{"name":"discovery","image":"docker.io/istio/pilot:1.26.0",
               "args":[null,"--clusterID=c1"],"env":[null,{"name":"EXTERNAL_ISTIOD","value":"true"},{"name":null}]}]}}}}
            """;
        var istiod = IstiodDeploymentReader.FromDeployment(JsonSerializer.Deserialize(json, ShapeJson.Default.DeploymentShape)!)!;

        Assert.Equal("c1", istiod.ClusterId);
        Assert.True(istiod.ExternalIstiod);
        Assert.Equal("1.26.0", istiod.Version!.ToString());
        Assert.Null(IstiodDeploymentReader.FromDeployment(JsonSerializer.Deserialize(
            """{"metadata":{"name":"istiod"},"spec":{"template":{"spec":{"containers":[null]}}}}""", ShapeJson.Default.DeploymentShape)!));
    }

    [Fact]
    public void A_value_from_a_ConfigMap_is_unknown_not_false_and_the_last_entry_of_a_name_wins()
    {
        var istiod = IstiodDeploymentReader.FromDeployment(Deployment(rawEnv: new List<V1EnvVar>
        {
            new() { Name = "EXTERNAL_ISTIOD", Value = "false" },
            new() { Name = "EXTERNAL_ISTIOD", Value = "true" },
            new() { Name = "CLUSTER_ID", ValueFrom = new V1EnvVarSource { ConfigMapKeyRef = new V1ConfigMapKeySelector { Name = "c", Key = "k" } } },
            new() { Name = "PILOT_INSECURE_MULTICLUSTER_KUBECONFIG_OPTIONS", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = "s", Key = "k" } } },
        }))!;
        Assert.True(istiod.ExternalIstiod);
        Assert.Null(istiod.ClusterId);
        Assert.Null(istiod.InsecureKubeConfigOptions);
    }

    [Theory]
    [InlineData(new[] { "discovery", "--clusterID=east" }, "east")]
    [InlineData(new[] { "discovery", "--clusterID", "west" }, "west")]
    public void The_clusterID_flag_wins_over_CLUSTER_ID(string[] args, string expected) =>
        Assert.Equal(expected, IstiodDeploymentReader.FromDeployment(Deployment(args: args, env: new Dictionary<string, string> { ["CLUSTER_ID"] = "env" }))!.ClusterId);

    [Theory]
    [InlineData("docker.io/istio/pilot:1.24.3-distroless", "1.24.3")]
    [InlineData("registry.local:5000/istio/pilot:1.19.0@sha256:0123", "1.19.0")]
    [InlineData("gcr.io/istio-release/pilot:1.22", "1.22.0")]
    [InlineData("pilot:1.26.1-solo", "1.26.1")]
    public void The_version_comes_from_the_image_tag(string image, string version) =>
        Assert.Equal(version, IstiodDeploymentReader.FromDeployment(Deployment(image: image))!.Version!.ToString());

    [Theory]
    [InlineData("docker.io/istio/pilot:latest", "its image 'docker.io/istio/pilot:latest' names no version")]
    [InlineData("registry.local:5000/istio/pilot@sha256:0123", "its image 'registry.local:5000/istio/pilot@sha256:0123' names no version")]
    [InlineData("registry.local:5000/istio/pilot", "its image 'registry.local:5000/istio/pilot' names no version")]
    public void An_image_without_a_version_says_so(string image, string source)
    {
        var istiod = IstiodDeploymentReader.FromDeployment(Deployment(image: image))!;
        Assert.Null(istiod.Version);
        Assert.Equal(source, istiod.VersionSource);

        // The chart's app.kubernetes.io/version label, when there is one.
        var labelled = IstiodDeploymentReader.FromDeployment(Deployment(image: image,
            labels: new Dictionary<string, string> { ["app"] = "istiod", ["app.kubernetes.io/version"] = "1.25.2" }))!;
        Assert.Equal((new IstioVersion(1, 25, 2), "its label app.kubernetes.io/version=1.25.2"), (labelled.Version, labelled.VersionSource));
    }

    [Fact]
    public void Only_istiod_and_its_revisions_count()
    {
        Assert.Equal("canary", IstiodDeploymentReader.FromDeployment(Deployment("istiod-1-26",
            labels: new Dictionary<string, string> { ["app"] = "istiod", ["istio.io/rev"] = "canary" }))!.Revision);
        Assert.Null(IstiodDeploymentReader.FromDeployment(Deployment("istio-ingressgateway")));
        Assert.Null(IstiodDeploymentReader.FromDeployment(Deployment("istiodx")));
        Assert.Null(IstiodDeploymentReader.FromDeployment(Shape(new V1Deployment { Metadata = new V1ObjectMeta { Name = "istiod" } })));
    }

    [Fact]
    public void A_reading_names_its_cluster_ids_once_each()
    {
        var a = IstiodDeploymentReader.FromDeployment(Deployment(env: new Dictionary<string, string> { ["CLUSTER_ID"] = "c1" }))!;
        var b = IstiodDeploymentReader.FromDeployment(Deployment("istiod-canary", env: new Dictionary<string, string> { ["CLUSTER_ID"] = "c1" }))!;
        var reading = new IstiodReading("ctx", "istio-system", new[] { a, b }, null);
        Assert.Equal(new[] { "c1" }, reading.ClusterIds);
        Assert.Equal("Deployments istio-system/istiod, istio-system/istiod-canary in context 'ctx'", reading.Describe());
        Assert.Equal("no istiod Deployment in namespace x of context 'ctx'", new IstiodReading("ctx", "x", Array.Empty<IstiodDeployment>(), null).Describe());
    }
}
