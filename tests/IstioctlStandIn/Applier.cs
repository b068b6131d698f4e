using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace IstioctlStandIn;

/// <summary>
/// Writes rendered objects into the cluster: created, or replaced when they exist. istioctl 1.24+ applies server-side
/// (operator/pkg/install/install.go serverSideApply, forced); a 1.20 API server refuses a server-side apply of the 1.26
/// CRDs ("x-kubernetes-validations: field not declared in schema") while a create or replace stores them, so the
/// stand-in creates or replaces everything: what ends up stored is the same.
/// </summary>
internal static class Applier
{
    public static Task ApplyAsync(IKubernetes client, IKubernetesObject<V1ObjectMeta> obj) => obj switch
    {
        V1CustomResourceDefinition crd => CreateOrReplace(
            () => client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd),
            async () =>
            {
                crd.Metadata.ResourceVersion = (await client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(crd.Metadata.Name)).Metadata.ResourceVersion;
                await client.ApiextensionsV1.ReplaceCustomResourceDefinitionAsync(crd, crd.Metadata.Name);
            }),
        // A replace would drop the token secrets the controller listed on it: an existing account stays as it is.
        V1ServiceAccount account => CreateOrReplace(() => client.CoreV1.CreateNamespacedServiceAccountAsync(account, account.Namespace()), () => Task.CompletedTask),
        V1ClusterRole role => CreateOrReplace(() => client.RbacAuthorizationV1.CreateClusterRoleAsync(role), async () =>
        {
            role.Metadata.ResourceVersion = (await client.RbacAuthorizationV1.ReadClusterRoleAsync(role.Metadata.Name)).Metadata.ResourceVersion;
            await client.RbacAuthorizationV1.ReplaceClusterRoleAsync(role, role.Metadata.Name);
        }),
        V1ClusterRoleBinding binding => CreateOrReplace(() => client.RbacAuthorizationV1.CreateClusterRoleBindingAsync(binding), async () =>
        {
            binding.Metadata.ResourceVersion = (await client.RbacAuthorizationV1.ReadClusterRoleBindingAsync(binding.Metadata.Name)).Metadata.ResourceVersion;
            await client.RbacAuthorizationV1.ReplaceClusterRoleBindingAsync(binding, binding.Metadata.Name);
        }),
        V1Service service => CreateOrReplace(() => client.CoreV1.CreateNamespacedServiceAsync(service, service.Namespace()), async () =>
        {
            var existing = await client.CoreV1.ReadNamespacedServiceAsync(service.Metadata.Name, service.Namespace());
            service.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
            // The cluster IP cannot change; between ExternalName and ClusterIP it is dropped or allocated.
            if (service.Spec.Type != "ExternalName" && existing.Spec.Type != "ExternalName" && service.Spec.ClusterIP is null)
            {
                service.Spec.ClusterIP = existing.Spec.ClusterIP;
                service.Spec.ClusterIPs = existing.Spec.ClusterIPs;
            }

            await client.CoreV1.ReplaceNamespacedServiceAsync(service, service.Metadata.Name, service.Namespace());
        }),
        V1Endpoints endpoints => CreateOrReplace(() => client.CoreV1.CreateNamespacedEndpointsAsync(endpoints, endpoints.Namespace()), async () =>
        {
            endpoints.Metadata.ResourceVersion = (await client.CoreV1.ReadNamespacedEndpointsAsync(endpoints.Metadata.Name, endpoints.Namespace())).Metadata.ResourceVersion;
            await client.CoreV1.ReplaceNamespacedEndpointsAsync(endpoints, endpoints.Metadata.Name, endpoints.Namespace());
        }),
        // discovery.k8s.io/v1beta1 on this 1.20 server: not among KubernetesClient's typed operations any more.
        V1EndpointSlice slice => CreateOrReplace(
            () => client.CustomObjects.CreateNamespacedCustomObjectAsync(slice, "discovery.k8s.io", "v1beta1", slice.Namespace(), "endpointslices"),
            async () =>
            {
                var existing = KubernetesJson.Deserialize<V1EndpointSlice>(KubernetesJson.Serialize(
                    await client.CustomObjects.GetNamespacedCustomObjectAsync("discovery.k8s.io", "v1beta1", slice.Namespace(), "endpointslices", slice.Metadata.Name)));
                slice.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
                await client.CustomObjects.ReplaceNamespacedCustomObjectAsync(slice, "discovery.k8s.io", "v1beta1", slice.Namespace(), "endpointslices", slice.Metadata.Name);
            }),
        V1Deployment deployment => CreateOrReplace(() => client.AppsV1.CreateNamespacedDeploymentAsync(deployment, deployment.Namespace()), async () =>
        {
            deployment.Metadata.ResourceVersion = (await client.AppsV1.ReadNamespacedDeploymentAsync(deployment.Metadata.Name, deployment.Namespace())).Metadata.ResourceVersion;
            await client.AppsV1.ReplaceNamespacedDeploymentAsync(deployment, deployment.Metadata.Name, deployment.Namespace());
        }),
        V1MutatingWebhookConfiguration webhook => CreateOrReplace(() => client.AdmissionregistrationV1.CreateMutatingWebhookConfigurationAsync(webhook), async () =>
        {
            webhook.Metadata.ResourceVersion = (await client.AdmissionregistrationV1.ReadMutatingWebhookConfigurationAsync(webhook.Metadata.Name)).Metadata.ResourceVersion;
            await client.AdmissionregistrationV1.ReplaceMutatingWebhookConfigurationAsync(webhook, webhook.Metadata.Name);
        }),
        _ => throw new NotSupportedException($"the stand-in cannot apply a {obj.Kind}"),
    };

    /// <summary>
    /// The namespace istioctl creates before anything else when it is missing (operator/pkg/util/k8s.go CreateNamespace at 1.26.8:
    /// labelled topology.istio.io/network with values.global.network; before 1.24 the stand-in adds no label).
    /// </summary>
    public static Task EnsureNamespaceAsync(IKubernetes client, string ns, string? networkLabel)
    {
        var labels = networkLabel is null ? null : new Dictionary<string, string> { ["topology.istio.io/network"] = networkLabel };
        return CreateOrReplace(() => client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns, Labels = labels } }),
            () => Task.CompletedTask);
    }

    /// <summary>"Endpoints/istio-system/istiod-remote", as istioctl names an object in its errors.</summary>
    public static string Describe(IKubernetesObject<V1ObjectMeta> obj) =>
        obj.Metadata.NamespaceProperty is { } ns ? $"{obj.Kind}/{ns}/{obj.Metadata.Name}" : $"{obj.Kind}/{obj.Metadata.Name}";

    private static async Task CreateOrReplace(Func<Task> create, Func<Task> replace)
    {
        try
        {
            await create();
            return;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Conflict)
        {
        }

        // Another writer (a test, another install of the shared CRDs) may change the object between the read and the replace.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await replace();
                return;
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Conflict && attempt < 5)
            {
                await Task.Delay(50 * attempt);
            }
        }
    }
}
