using I3D.Net.IO;
using System.Collections;
using System.Text;
using System.Text.Json;

namespace I3D.Net.Data.Annotations;

/// <summary>
/// Class names ↔ label indices. Names are matched case-insensitively (UCF-101 spells
/// <c>HandstandPushups</c> and <c>HandStandPushups</c>), so two names may not differ only in case.
/// Serialises to JSON so the map travels with checkpoints.
/// </summary>
public sealed class ClassMap : IReadOnlyList<string>, IEquatable<ClassMap>
{
    private const string FormatName = "i3d.net.classmap";
    private readonly string[] _names;
    private readonly Dictionary<string, int> _indices;

    /// <summary>Creates a map; label i is the i-th name.</summary>
    /// <exception cref="ArgumentException">No names, an empty name, or a duplicate (ignoring case).</exception>
    public ClassMap(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        _names = names.ToArray();
        if (_names.Length == 0)
            throw new ArgumentException("A class map needs at least one class name, found none.", nameof(names));
        _indices = new Dictionary<string, int>(_names.Length, StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < _names.Length; i++)
        {
            var name = _names[i];
            if (string.IsNullOrWhiteSpace(name) || name.Trim() != name)
                throw new ArgumentException($"Class name {i} is empty or has leading/trailing white space: '{name}'.", nameof(names));
            if (!_indices.TryAdd(name, i))
                throw new ArgumentException($"Class name '{name}' (index {i}) duplicates '{_names[_indices[name]]}' (index {_indices[name]}), ignoring case.", nameof(names));
        }
    }

    /// <summary>Number of classes.</summary>
    public int Count => _names.Length;

    /// <summary>The name of label <paramref name="index"/>.</summary>
    public string this[int index] => _names[index];

    /// <summary>The names in label order.</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>The label of <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="KeyNotFoundException">The name is not in the map.</exception>
    public int IndexOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_indices.TryGetValue(name.Trim(), out var index))
            return index;
        var preview = string.Join(", ", _names.Take(5).Select(n => $"'{n}'")) + (_names.Length > 5 ? ", …" : "");
        throw new KeyNotFoundException($"Class '{name}' is not one of the {_names.Length} known classes ({preview}).");
    }

    /// <summary>Looks up <paramref name="name"/> (case-insensitive).</summary>
    public bool TryGetIndex(string name, out int index) => _indices.TryGetValue(name.Trim(), out index);

    /// <summary>Serialises the map: <c>{"format":"i3d.net.classmap","version":1,"classes":[…]}</c>.</summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("format", FormatName);
            writer.WriteNumber("version", 1);
            writer.WriteStartArray("classes");
            foreach (var name in _names)
                writer.WriteStringValue(name);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Reads a map written by <see cref="ToJson"/> (or a bare JSON array of names).</summary>
    /// <exception cref="InvalidDataException">The JSON is not a class map.</exception>
    public static ClassMap FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            JsonElement classes;
            if (root.ValueKind == JsonValueKind.Array)
                classes = root;
            else if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("classes", out classes) && classes.ValueKind == JsonValueKind.Array)
            {
                if (root.TryGetProperty("format", out var format) && format.GetString() != FormatName)
                    throw new InvalidDataException($"Expected a class map with format '{FormatName}', found format '{format}'.");
            }
            else
                throw new InvalidDataException($"Expected a class map object with a \"classes\" array, found JSON {root.ValueKind}.");
            var names = new List<string>();
            foreach (var item in classes.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String)
                    throw new InvalidDataException($"Expected class names as JSON strings, found {item.ValueKind} at position {names.Count}.");
                names.Add(item.GetString()!);
            }
            return new ClassMap(names);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"The class map is not valid JSON: {ex.Message}", ex);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidDataException($"The class map is invalid: {ex.Message}", ex);
        }
    }

    /// <summary>Writes the JSON atomically (temp file in the same folder, then move).</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        AtomicFile.WriteAllText(path, ToJson());
    }

    /// <summary>Reads a JSON class map file.</summary>
    public static ClassMap Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Class map file '{Path.GetFullPath(path)}' does not exist.", path);
        RegularFile.Require(Path.GetFullPath(path), "class map file");
        try
        {
            return FromJson(File.ReadAllText(path));
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"'{Path.GetFullPath(path)}': {ex.Message}", ex);
        }
    }

    /// <summary>Reads a plain label map: one class name per line, in label order (Kinetics <c>label_map.txt</c>).</summary>
    public static ClassMap FromLabelMapFile(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Label map file '{Path.GetFullPath(path)}' does not exist.", path);
        RegularFile.Require(Path.GetFullPath(path), "label map file");
        var names = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        try
        {
            return new ClassMap(names);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidDataException($"'{Path.GetFullPath(path)}': {ex.Message}", ex);
        }
    }

    /// <inheritdoc />
    public IEnumerator<string> GetEnumerator() => ((IEnumerable<string>)_names).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _names.GetEnumerator();

    /// <summary>Whether both maps hold the same names in the same order (exact spelling).</summary>
    public bool Equals(ClassMap? other) => other is not null && _names.SequenceEqual(other._names, StringComparer.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ClassMap);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var name in _names)
            hash.Add(name, StringComparer.Ordinal);
        return hash.ToHashCode();
    }
}
