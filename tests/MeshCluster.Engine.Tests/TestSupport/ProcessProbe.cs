namespace MeshCluster.Engine.Tests.TestSupport;

/// <summary>Whether a process still runs (Linux /proc: the test machines are Linux), for tests that kill process trees.</summary>
internal static class ProcessProbe
{
    public static bool IsRunning(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat)) return false;
        try
        {
            var text = File.ReadAllText(stat);
            // A zombie has ended; only its parent's wait is missing.
            return text[(text.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Waits up to 5 s for the process to end (killing is asynchronous in the kernel), then asserts it did.</summary>
    public static async Task AssertGoneAsync(int pid, string what)
    {
        for (var i = 0; i < 100 && IsRunning(pid); i++) await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.False(IsRunning(pid), what);
    }
}
