using Dca;
using Dca.Hosting;

return await AgentProgram.RunAsync(
    new AgentDescription("dca", "the cluster agent: watches the cluster once and serves its metadata to node agents",
        ["dca [options]"]),
    args,
    DcaOptions.Definitions,
    ctx => ClusterAgent.RunAsync(ctx));
