using System.Runtime.InteropServices;
using Google.Protobuf;
using I3D.Net.Onnx.Protobuf;

namespace I3D.Net.Onnx;

/// <summary>Collects nodes and initializers of one ONNX graph with unique names.</summary>
internal sealed class OnnxGraphBuilder
{
    private readonly HashSet<string> names = new(StringComparer.Ordinal);

    public OnnxGraphBuilder(int opset) => Opset = opset;

    public int Opset { get; }

    public GraphProto Graph { get; } = new() { Name = "i3d" };

    /// <summary>A name not used yet, <paramref name="name"/> itself when free.</summary>
    public string Unique(string name)
    {
        var candidate = name;
        for (int i = 1; !names.Add(candidate); i++)
            candidate = $"{name}_{i}";
        return candidate;
    }

    public string Initializer(string name, float[] values, params long[] dims)
    {
        if (values.LongLength != dims.Aggregate(1L, (a, b) => a * b))
            throw new InvalidOperationException($"Initializer {name}: {values.Length} values for shape [{string.Join(", ", dims)}].");
        var tensor = new TensorProto { Name = Unique(name), DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        // raw_data is little-endian by the ONNX spec; .NET on every supported platform is too.
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("ONNX export needs a little-endian machine.");
        tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
        Graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    public string Int64Initializer(string name, params long[] values)
    {
        var tensor = new TensorProto { Name = Unique(name), DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.Add(values.Length);
        tensor.Int64Data.AddRange(values);
        Graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>Adds a node; its outputs get unique names derived from <paramref name="name"/>.</summary>
    public string[] Node(string opType, string name, string[] inputs, int outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = Unique(name) };
        node.Input.AddRange(inputs);
        var outNames = new string[outputs];
        for (int i = 0; i < outputs; i++)
            outNames[i] = Unique(outputs == 1 ? name : $"{name}:{i}");
        node.Output.AddRange(outNames);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return outNames;
    }

    public string Node(string opType, string name, string[] inputs, params AttributeProto[] attributes) =>
        Node(opType, name, inputs, 1, attributes)[0];

    /// <summary>ReduceMean without keeping the axes; its axes moved from an attribute to an input in opset 18.</summary>
    public string ReduceMean(string name, string input, params long[] axes)
    {
        if (Opset >= 18)
            return Node("ReduceMean", name, [input, Int64Initializer($"{name}/axes", axes)], Int("keepdims", 0));
        return Node("ReduceMean", name, [input], Ints("axes", axes), Int("keepdims", 0));
    }

    /// <summary>Renames <paramref name="value"/>'s producer output to <paramref name="name"/> (graph outputs).</summary>
    public void RenameOutput(string value, string name)
    {
        if (!names.Add(name))
            throw new InvalidOperationException($"The name {name} is taken.");
        foreach (var node in Graph.Node)
            for (int i = 0; i < node.Output.Count; i++)
                if (node.Output[i] == value) node.Output[i] = name;
        foreach (var node in Graph.Node)
            for (int i = 0; i < node.Input.Count; i++)
                if (node.Input[i] == value) node.Input[i] = name;
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    public static ValueInfoProto TensorValue(string name, string? dynamicBatch, params long[] dims)
    {
        var shape = new TensorShapeProto();
        for (int i = 0; i < dims.Length; i++)
        {
            shape.Dim.Add(i == 0 && dynamicBatch is not null
                ? new TensorShapeProto.Types.Dimension { DimParam = dynamicBatch }
                : new TensorShapeProto.Types.Dimension { DimValue = dims[i] });
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto
            {
                TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape },
            },
        };
    }
}
