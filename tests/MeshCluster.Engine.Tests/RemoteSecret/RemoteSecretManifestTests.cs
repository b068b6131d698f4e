using System.Text;
using k8s.Models;
using MeshCluster.Engine.RemoteSecret;
using YamlDotNet.RepresentationModel;

namespace MeshCluster.Engine.Tests.RemoteSecret;

public class RemoteSecretManifestTests
{
    private const string KubeConfig = "apiVersion: v1\nkind: Config\ncurrent-context: cluster2\n";

    [Fact]
    public void Desired_secret_has_istioctl_shape()
    {
        var secret = RemoteSecretManifest.Desired("cluster2", "istio-system", KubeConfig);
        Assert.Equal(("v1", "Secret", "Opaque"), (secret.ApiVersion, secret.Kind, secret.Type));
        Assert.Equal("istio-remote-secret-cluster2", secret.Metadata.Name);
        Assert.Equal("istio-system", secret.Metadata.NamespaceProperty);
        Assert.Equal("true", Assert.Single(secret.Metadata.Labels, l => l.Key == "istio/multiCluster").Value);
        Assert.Equal("cluster2", Assert.Single(secret.Metadata.Annotations, a => a.Key == "networking.istio.io/cluster").Value);
        var data = Assert.Single(secret.Data);
        Assert.Equal("cluster2", data.Key);
        Assert.Equal(KubeConfig, Encoding.UTF8.GetString(data.Value));
    }

    [Fact]
    public void Yaml_for_gitops_has_string_data_and_parses_back()
    {
        var yaml = RemoteSecretManifest.ToYaml(RemoteSecretManifest.Desired("cluster2", "istio-system", KubeConfig));
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var root = (YamlMappingNode)stream.Documents.Single().RootNode;
        Assert.Equal("v1", root["apiVersion"].ToString());
        Assert.Equal("Secret", root["kind"].ToString());
        var metadata = (YamlMappingNode)root["metadata"];
        Assert.Equal("istio-remote-secret-cluster2", metadata["name"].ToString());
        Assert.Equal("istio-system", metadata["namespace"].ToString());
        var label = (YamlScalarNode)((YamlMappingNode)metadata["labels"])["istio/multiCluster"];
        Assert.Equal("true", label.Value);
        Assert.NotEqual(YamlDotNet.Core.ScalarStyle.Plain, label.Style); // a string, not a boolean
        Assert.Equal("cluster2", ((YamlMappingNode)metadata["annotations"])["networking.istio.io/cluster"].ToString());
        var stringData = (YamlMappingNode)root["stringData"];
        Assert.Equal(KubeConfig, ((YamlScalarNode)stringData["cluster2"]).Value);
        Assert.False(root.Children.ContainsKey("data"));
        Assert.Contains("cluster2: |", yaml); // the kubeconfig stays readable for review
    }

    [Fact]
    public void Satisfied_only_when_every_owned_field_matches()
    {
        var desired = RemoteSecretManifest.Desired("cluster2", "istio-system", KubeConfig);
        Assert.False(RemoteSecretManifest.IsSatisfiedBy(desired, null));

        var same = RemoteSecretManifest.Desired("cluster2", "istio-system", KubeConfig);
        same.Metadata.Labels["other"] = "x"; // fields others own do not count
        same.Metadata.ResourceVersion = "42";
        Assert.True(RemoteSecretManifest.IsSatisfiedBy(desired, same));

        var otherData = RemoteSecretManifest.Desired("cluster2", "istio-system", KubeConfig + "# changed\n");
        Assert.False(RemoteSecretManifest.IsSatisfiedBy(desired, otherData));

        var noLabel = RemoteSecretManifest.Desired("cluster2", "istio-system", KubeConfig);
        noLabel.Metadata.Labels.Clear();
        Assert.False(RemoteSecretManifest.IsSatisfiedBy(desired, noLabel));

        var otherAnnotation = RemoteSecretManifest.Desired("cluster2", "istio-system", KubeConfig);
        otherAnnotation.Metadata.Annotations["networking.istio.io/cluster"] = "cluster3";
        Assert.False(RemoteSecretManifest.IsSatisfiedBy(desired, otherAnnotation));

        var noData = new V1Secret { Metadata = same.Metadata, Type = "Opaque" };
        Assert.False(RemoteSecretManifest.IsSatisfiedBy(desired, noData));
    }
}
