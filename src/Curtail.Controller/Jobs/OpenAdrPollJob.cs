using Curtail.Controller.OpenAdr;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace Curtail.Controller.Jobs;

/// <summary>
/// The OpenADR VEN's poll of its VTN, every `poll_seconds` real seconds. On a clustered site only the leader polls:
/// two instances acting on one event would each record it.
/// </summary>
[DisallowConcurrentExecution]
public sealed class OpenAdrPollJob(OpenAdrVen ven, IServiceProvider services) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        if (services.GetService<Cluster.ClusterCoordinator>() is { IsLeader: false }) return;
        await ven.PollAsync(cancellationToken);
    }
}
