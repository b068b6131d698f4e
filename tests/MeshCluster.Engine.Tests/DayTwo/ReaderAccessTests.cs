using MeshCluster.Engine.RemoteSecret;

namespace MeshCluster.Engine.Tests.DayTwo;

public class ReaderAccessTests
{
    [Fact]
    public void The_checked_rights_are_get_list_watch_on_the_resources_istiod_needs_each_granted_by_the_reader_role()
    {
        var required = ReaderServiceAccount.RequiredAccess;
        Assert.Equal(21, required.Count);
        Assert.Equal(
            new[] { "endpoints", "endpointslices.discovery.k8s.io", "namespaces", "nodes", "pods", "secrets", "services" },
            required.Select(r => r.QualifiedResource).Distinct().Order());
        Assert.All(required.GroupBy(r => r.QualifiedResource), g => Assert.Equal(new[] { "get", "list", "watch" }, g.Select(r => r.Verb).Order()));
        foreach (var access in required)
        {
            Assert.Contains(ReaderServiceAccount.ReaderRules, rule =>
                rule.ApiGroups.Contains(access.Group) && rule.Resources.Contains(access.Resource) && rule.Verbs.Contains(access.Verb));
        }
    }
}
