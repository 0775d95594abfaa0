using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using TwoTower.Serving.Benchmarking;
using TwoTower.Serving.Hosting;

namespace TwoTower.Serving.Tests;

[TestClass]
public sealed class HttpLoadTestTests
{
    [TestMethod]
    public async Task RunAsync_ThreadPoolBusyWhenRequestsFallDue_LatencyCountsTheWaitSinceDispatch()
    {
        var app = WebApplication.Create();
        app.Urls.Add("http://127.0.0.1:0");
        app.MapPost("/recommend", () => Results.Text("{}", "application/json"));
        await app.StartAsync();
        try
        {
            var blocked = 0;
            string Body(int i)
            {
                // The first measured request fills the thread pool for 400 ms: the requests that fall due meanwhile
                // (every 10 ms) are dispatched on time but wait for a thread, as behind a saturated server in this process.
                if (i == 0 && Interlocked.Exchange(ref blocked, 1) == 0)
                    for (var t = 0; t < ThreadPool.ThreadCount + 4; t++) ThreadPool.UnsafeQueueUserWorkItem(_ => Thread.Sleep(400), null);
                return "{}";
            }
            var result = await HttpLoadTest.RunAsync(ServingApp.ListeningAddress(app), "/recommend", Body, rate: 100, seconds: 0.2, warmup: 5);

            Assert.AreEqual(20, result.Requests);
            Assert.AreEqual(0, result.Errors);
            // Request k falls due at 10·k ms and starts after 400 ms at the earliest: from dispatch, most wait over 200 ms.
            Assert.IsGreaterThan(150.0, result.Latency.P50);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
