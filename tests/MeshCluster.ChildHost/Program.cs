using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Text.Json;

// usage: MeshCluster.ChildHost <module manifest | -> <script> [argument ...]
// Imports the module (not when the manifest is "-": a bare engine, as `pwsh -c` is, for the benchmarks),
// runs the script with the arguments as $args, and prints one JSON line: the output as text, the error
// ids (non-terminating, then the terminating one), and the process's peak working set. Exit code 0 when the script ran to its end, whatever
// it reported; a crash is any other ending.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: MeshCluster.ChildHost <module manifest | -> <script> [argument ...]");
    return 2;
}

var report = new Dictionary<string, object?>();
using (var runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2()))
{
    runspace.Open();
    using var ps = PowerShell.Create();
    ps.Runspace = runspace;
    if (args[0] != "-")
    {
        ps.AddScript("Import-Module $args[0] -ErrorAction Stop").AddArgument(args[0]);
        ps.Invoke();
        ps.Commands.Clear();
    }

    ps.AddScript(args[1]);
    foreach (var argument in args.Skip(2)) ps.AddArgument(argument);
    try
    {
        report["output"] = ps.Invoke().Select(o => o?.ToString()).ToArray();
    }
    catch (RuntimeException ex)
    {
        report["terminating"] = ex.ErrorRecord.FullyQualifiedErrorId;
        report["message"] = ex.Message;
    }

    report["errors"] = ps.Streams.Error.Select(e => e.FullyQualifiedErrorId).ToArray();
    report["messages"] = ps.Streams.Error.Select(e => e.ToString()).ToArray();
}

// The process's peak working set (VmHWM on Linux): what a test of bounded memory asserts on.
report["peakWorkingSetBytes"] = System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64;
Console.WriteLine(JsonSerializer.Serialize(report));
return 0;
