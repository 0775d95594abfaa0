namespace TwoTower.TestSupport;

/// <summary>Removes the test process's temp folder after the assembly's last test (see <see cref="TestPaths.DeleteRunFolder"/>).</summary>
[TestClass]
public static class TestRunCleanup
{
    /// <summary>MSTest allows one [AssemblyCleanup] per assembly: an assembly with its own leaves this file out and calls DeleteRunFolder there.</summary>
    [AssemblyCleanup]
    public static void DeleteTempFolder() => TestPaths.DeleteRunFolder();
}
