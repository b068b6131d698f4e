using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.EventEmitters;

namespace MeshCluster.Engine.Yaml;

/// <summary>
/// YAML as kubectl writes it: keys in the order given, strings that look like other types quoted
/// ("true" stays a string label value), multi-line strings as literal blocks.
/// </summary>
internal static class KubectlYaml
{
    private static readonly ISerializer Serializer = new SerializerBuilder()
        .WithQuotingNecessaryStrings()
        .WithEventEmitter(next => new LiteralMultilineEmitter(next))
        .DisableAliases()
        .Build();

    public static string Serialize(object value) => Serializer.Serialize(value);

    private sealed class LiteralMultilineEmitter(IEventEmitter next) : ChainedEventEmitter(next)
    {
        public override void Emit(ScalarEventInfo eventInfo, IEmitter emitter)
        {
            if (eventInfo.Source.Value is string s && s.Contains('\n'))
            {
                eventInfo.Style = ScalarStyle.Literal;
            }

            base.Emit(eventInfo, emitter);
        }
    }
}
