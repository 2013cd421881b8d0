using Dca;
using Dca.Hosting;

return await AgentProgram.RunAsync(
    new AgentDescription("dca", "the cluster agent: watches the cluster once and serves its metadata to node agents",
        ["dca [options]", "dca status            what the running agent sees (API server, informers, snapshot)", "dca metamap [node]    the pod -> services map the running agent serves"]),
    args,
    DcaOptions.Definitions,
    ctx => ClusterAgent.RunAsync(ctx));
