namespace MeshCluster.Benchmarks;

/// <summary>The command line: which groups, how many repetitions, which PowerShell for the process-level runs.</summary>
internal sealed record BenchOptions(bool Quick, IReadOnlyList<string> Groups, IReadOnlyList<string> Pwsh, bool HostedEngine, int? Runs, int? Iterations,
    bool StockControllerManager, string? Module, bool NoDotnetTool)
{
    public const string Cold = "cold", Warm = "warm", FanOut = "fanout", Wait = "wait";
    public static readonly string[] AllGroups = { Cold, Warm, FanOut, Wait };

    public const string Usage = """
        usage: dotnet run -c Release --project tests/MeshCluster.Benchmarks -- [options]
          --quick               fewer repetitions (for development runs on a shared machine)
          --only <g>[,<g>...]   run only these groups: cold, warm, fanout, wait (default: all, in that order)
          --runs <n>            repetitions of each measured run in cold, fanout and wait
          --iterations <n>      iterations of each in-session call in warm
          --pwsh <path>         a pwsh for the process-level runs; may repeat (default: pwsh on PATH). Each is measured,
                                and so is the .NET tool pwsh of .config/dotnet-tools.json (dotnet pwsh) once restored
          --no-dotnet-tool      do not measure the .NET tool pwsh
          --module <path>       the module to measure (its .psd1 or folder; default: the built out/MeshCluster), to
                                compare another build (a copy of main's) back to back with the same options
          --hosted-engine       use a fresh process hosting the engine (MeshCluster.ChildHost) even when a pwsh is found
          --stock-controller-manager
                                keep kube-controller-manager's default client rate limit (20/s) and workers (5): then
                                the wait group measures mostly that one controller-manager catching up with 20 namespaces
        Nothing is asserted: it prints a table with medians, minimums and ratios against the goals (issues 11 and 21).
        The trust step's key generation has a mode of its own (no clusters): -- trust [<runs>]
        """;

    /// <summary>Repetitions of a process-level or fan-out measurement.</summary>
    public int RunsOr(int full, int quick) => Runs ?? (Quick ? quick : full);

    public static BenchOptions? Parse(string[] args, out string? problem)
    {
        problem = null;
        var (quick, hosted, stock, noTool) = (false, false, false, false);
        var pwsh = new List<string>();
        string? module = null;
        int? runs = null, iterations = null;
        var groups = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value");
            try
            {
                switch (args[i])
                {
                    case "--quick": quick = true; break;
                    case "--hosted-engine": hosted = true; break;
                    case "--stock-controller-manager": stock = true; break;
                    case "--pwsh": pwsh.Add(Path.GetFullPath(Next())); break;
                    case "--no-dotnet-tool": noTool = true; break;
                    case "--module":
                        var path = Path.GetFullPath(Next());
                        module = Directory.Exists(path) ? Path.Combine(path, "MeshCluster.psd1") : path;
                        if (!File.Exists(module)) throw new FormatException($"--module: no {module}");
                        break;
                    case "--runs": runs = Positive(Next()); break;
                    case "--iterations": iterations = Positive(Next()); break;
                    case "--only":
                        foreach (var g in Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                        {
                            if (!AllGroups.Contains(g)) throw new FormatException($"unknown group '{g}'");
                            if (!groups.Contains(g)) groups.Add(g);
                        }

                        break;
                    case "-h" or "--help": return null;
                    default: throw new FormatException($"unknown option '{args[i]}'");
                }
            }
            catch (FormatException ex)
            {
                problem = ex.Message;
                return null;
            }
        }

        // Always in the canonical order: the cold runs first, before this process has much in memory.
        var selected = groups.Count == 0 ? AllGroups : AllGroups.Where(groups.Contains).ToArray();
        return new BenchOptions(quick, selected, pwsh, hosted, runs, iterations, stock, module, noTool);
    }

    private static int Positive(string text) =>
        int.TryParse(text, out var n) && n > 0 ? n : throw new FormatException($"'{text}' is not a positive count");
}
