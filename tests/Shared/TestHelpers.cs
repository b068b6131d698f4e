namespace MeshCluster.Tests;

// Compiled into each xunit project (their .csproj link this file; Usings.cs imports it), so a test class
// declares neither the test's token nor its temporary folder again.

/// <summary>What every test class reaches for.</summary>
public static class TestHelpers
{
    /// <summary>The running test's token: cancelled when the test times out or the run is stopped.</summary>
    public static CancellationToken Ct => TestContext.Current.CancellationToken;
}

/// <summary>A temporary folder, removed with everything in it.</summary>
public sealed class TempFolder(string prefix = "meshcluster-") : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

    public string this[string relative] => System.IO.Path.Combine(Path, relative);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { /* a test left a handle open: the temp folder is cleaned by the OS */ }
    }
}

/// <summary>A test class with a temporary folder of its own (<see cref="TempDir"/>), removed after each test.</summary>
public abstract class TempFolderTest : IDisposable
{
    private readonly TempFolder _folder;

    /// <param name="prefix">The start of the folder's name, so a folder a killed run left behind tells whose it is.</param>
    protected TempFolderTest(string prefix) => _folder = new TempFolder(prefix);

    protected string TempDir => _folder.Path;

    public virtual void Dispose()
    {
        _folder.Dispose();
        GC.SuppressFinalize(this);
    }
}
