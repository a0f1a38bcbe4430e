using System.Reflection;
using I3D.Net.Flow;
using Microsoft.Extensions.Logging;

namespace I3D.Net.Tests.Logging;

/// <summary>Every log message of the library has an event id, unique, in its area's range (docs/architecture.md, "Logging event ids").</summary>
public class EventIdSchemeTests
{
    private static readonly (string Namespace, int First, int Last)[] Ranges =
    [
        ("I3D.Net.Training", 1, 999),
        ("I3D.Net.Data", 5000, 5999),
        ("I3D.Net.Flow", 6000, 6999),
        ("I3D.Net.Weights", 7000, 7999),
        ("I3D.Net.Models", 8000, 8999),
        ("I3D.Net.Inference", 8000, 8999),
        ("I3D.Net.Runtime", 9000, 9999),
    ];

    private static List<(MethodInfo Method, LoggerMessageAttribute Attribute)> Messages() =>
        typeof(FlowExtractor).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()!))
            .Where(x => x.Attribute is not null)
            .ToList();

    [Fact]
    public void Every_log_message_has_a_unique_id_in_its_areas_range()
    {
        var messages = Messages();
        messages.Should().HaveCountGreaterThan(20, "the trainer, checkpoint store, data loaders and flow extractor all log");
        foreach (var (method, attribute) in messages)
        {
            var where = $"{method.DeclaringType!.FullName}.{method.Name}";
            var ns = method.DeclaringType!.Namespace!;
            var range = Ranges.Where(r => ns == r.Namespace || ns.StartsWith(r.Namespace + ".", StringComparison.Ordinal)).ToList();
            range.Should().ContainSingle($"{where} is in an area with an event id range");
            attribute.EventId.Should().BeInRange(range[0].First, range[0].Last, $"{where} logs in {range[0].Namespace}");
        }
        messages.GroupBy(m => m.Attribute.EventId).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => m.Method.Name))}")
            .Should().BeEmpty("event ids are unique across the library");
    }

    [Fact]
    public void Flow_extraction_logs_with_ids_from_6001()
    {
        Messages().Where(m => m.Method.DeclaringType == typeof(FlowExtractor))
            .Select(m => m.Attribute.EventId).Order()
            .Should().Equal(6001, 6002, 6003, 6004, 6005, 6006);
    }
}
