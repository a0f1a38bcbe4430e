using System.ComponentModel;
using System.Globalization;
using I3D.Net.Data;
using Spectre.Console;
using Spectre.Console.Cli;

namespace I3D.Net.Tool.Commands;

/// <summary>Options of <c>i3d check-dataset</c>.</summary>
internal sealed class CheckDatasetSettings : CommandSettings
{
    [CommandArgument(0, "<VIDEOS>")]
    [Description("The dataset folder (its videos are found as 'i3d flow' and 'i3d features' find them).")]
    public string Videos { get; init; } = "";

    [CommandOption("--flow <DIR>")]
    [Description("The flow root to check ('i3d flow <VIDEOS> <DIR>'): every item's folder complete (its .done marker agrees with its images).")]
    public string? Flow { get; init; }

    [CommandOption("--features <DIR>")]
    [Description("The features root to check ('i3d features <VIDEOS> <DIR>'): every item's file present.")]
    public string? Features { get; init; }

    [CommandOption("--shard <K/N>")]
    [Description("Check only shard K of N (what one array task should have written).")]
    public string? Shard { get; init; }

    [CommandOption("--shards <N>")]
    [Description("Label every incomplete item with the shard K of N that owns it (the array task to rerun).")]
    public int? Shards { get; init; }

    [CommandOption("--decode")]
    [Description("Also decode every video at three frames (slower; finds unreadable files).")]
    public bool Decode { get; init; }

    [CommandOption("--list <N>")]
    [Description("How many missing, partial or unreadable items to list.")]
    [DefaultValue(20)]
    public int List { get; init; } = 20;

    [CommandOption("--json")]
    [Description("Write the report as JSON on stdout (every item that is not complete is listed).")]
    public bool Json { get; init; }

    public override ValidationResult Validate()
    {
        if (!Directory.Exists(Videos)) return ValidationResult.Error($"'{Videos}' is not a folder.");
        if (Flow is not null && !Directory.Exists(Flow)) return ValidationResult.Error($"--flow '{Flow}' is not a folder.");
        if (Features is not null && !Directory.Exists(Features)) return ValidationResult.Error($"--features '{Features}' is not a folder.");
        if (List < 0) return ValidationResult.Error($"--list must be 0 or more; found {List}.");
        if (Shards is < 1) return ValidationResult.Error($"--shards must be at least 1; found {Shards}.");
        if (Shards is not null && Shard is not null) return ValidationResult.Error("Give --shard K/N (check one shard) or --shards N (label items with their shard), not both.");
        if (ShardOption.TryParse(Shard, out _) is { } error) return ValidationResult.Error(error);
        return base.Validate();
    }
}

/// <summary><c>i3d check-dataset</c>: which items of a dataset have complete, partial or missing flow and features; exit code 1 unless all are complete.</summary>
internal sealed class CheckDatasetCommand(ToolEnvironment environment) : AsyncCommand<CheckDatasetSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, CheckDatasetSettings settings, CancellationToken cancellationToken)
    {
        ShardOption.TryParse(settings.Shard, out var shard);
        var options = new DatasetOutputCheckOptions
        {
            FlowRoot = settings.Flow, FeaturesRoot = settings.Features, Shard = shard, ShardCount = settings.Shards, DecodeVideos = settings.Decode,
        };
        var report = await ProgressBar.RunAsync(environment, "check-dataset", report =>
            DatasetOutputCheck.RunAsync(settings.Videos, options, new InlineProgress<int>(done => report(done, Math.Max(done, 1), null)), cancellationToken));
        // Which shard owns an item: of --shards N, of the checked K/N, or none for a whole-dataset check.
        int? ShardOf(DatasetItemStatus item) => settings.Shards is null && shard.IsWhole ? null : item.Shard;
        var incomplete = report.Items.Where(i => i.Flow is OutputState.Missing or OutputState.Partial || i.Features is OutputState.Missing or OutputState.Partial || i.Unreadable is not null)
            .OrderBy(i => i.RelativePath, StringComparer.Ordinal).ToArray();
        if (settings.Json)
        {
            Json.Write(environment, new ReportJson(report.VideoRoot, report.Shard.ToString(), report.Items.Count, report.InOtherShards, report.IsComplete,
                Counts(report.Flow), Counts(report.Features), report.VideosDecoded, report.FlowOrphans, report.FeaturesOrphans,
                incomplete.Select(i => new ItemJson(i.RelativePath, i.ClassName, ShardOf(i), i.Flow, i.FlowDetail, i.Features, i.FeaturesDetail, i.Unreadable)).ToArray()));
            return report.IsComplete ? ExitCodes.Ok : ExitCodes.Failed;
        }

        environment.WriteLine($"dataset: {report.VideoRoot}, {report.Items.Count} item(s)"
            + (report.Shard.IsWhole ? "" : $" in shard {report.Shard} ({report.InOtherShards} in other shards)")
            + $", {report.Classes.Count} class(es){(report.VideosDecoded ? ", every video decoded" : "")}");
        var outputs = new Table().AddColumns("output", "root", "complete", "partial", "missing");
        foreach (var (name, counts) in new[] { ("flow", report.Flow), ("features", report.Features) })
        {
            if (counts is not null)
                outputs.AddRow(name, Markup.Escape(counts.Root), N(counts.Complete), N(counts.Partial), N(counts.Missing));
        }
        if (outputs.Rows.Count > 0)
            environment.Out.Write(outputs);
        if (incomplete.Length > 0 && settings.List > 0)
        {
            var items = new Table().AddColumns("item", "shard", "flow", "features", "problem");
            foreach (var i in incomplete.Take(settings.List))
                items.AddRow(Markup.Escape(i.RelativePath), ShardOf(i) is { } k ? $"{k}/{settings.Shards ?? shard.Count}" : "", State(i.Flow), State(i.Features),
                    Markup.Escape(i.Unreadable ?? i.FlowDetail ?? i.FeaturesDetail ?? ""));
            environment.Out.Write(items);
            if (incomplete.Length > settings.List)
                environment.WriteLine($"… and {incomplete.Length - settings.List} more (--list, or --json for all)");
        }
        // Outputs whose video is gone (a rename, another dataset version merged in): reported, not counted as incomplete.
        foreach (var (name, orphans) in new[] { ("flow folder", report.FlowOrphans), ("features file", report.FeaturesOrphans) })
        {
            if (orphans.Count > 0)
                environment.WriteLine($"{orphans.Count} {name}(s) without a video, e.g. {string.Join(", ", orphans.Order(StringComparer.Ordinal).Take(3))}");
        }
        var unreadable = report.UnreadableItems.Count;
        environment.WriteLine(report.IsComplete
            ? "complete"
            : $"incomplete: {report.MissingItems.Count} item(s) with missing output, {report.PartialItems.Count} partial, {unreadable} unreadable (rerun the job to finish them)");
        return report.IsComplete ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private static string N(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static string State(OutputState? state) => state?.ToString().ToLowerInvariant() ?? "";

    private static CountsJson? Counts(OutputCounts? c) => c is null ? null : new CountsJson(c.Root, c.Complete, c.Partial, c.Missing, c.IsComplete);

    private sealed record ReportJson(string VideoRoot, string Shard, int Items, int InOtherShards, bool Complete, CountsJson? Flow, CountsJson? Features,
        bool VideosDecoded, IReadOnlyList<string> FlowOrphans, IReadOnlyList<string> FeaturesOrphans, IReadOnlyList<ItemJson> Incomplete);

    private sealed record CountsJson(string Root, int Complete, int Partial, int Missing, bool IsComplete);

    private sealed record ItemJson(string Item, string Class, int? Shard, OutputState? Flow, string? FlowDetail, OutputState? Features, string? FeaturesDetail, string? Unreadable);
}
