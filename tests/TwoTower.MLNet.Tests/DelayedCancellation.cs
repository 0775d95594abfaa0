namespace TwoTower.MLNet.Tests;

/// <summary>
/// Cancels a token source after a delay from a thread of its own: CancelAfter's timer callback waits for a thread-pool thread,
/// and the parallel loops under test may hold them all (on two cores a timed cancel then came seconds late).
/// </summary>
internal static class DelayedCancellation
{
    public static void Start(CancellationTokenSource cts, TimeSpan delay) => new Thread(() =>
    {
        Thread.Sleep(delay);
        cts.Cancel();
    }) { IsBackground = true }.Start();
}
