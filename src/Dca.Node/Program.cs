using Dca.Hosting;
using Dca.Node;

return await AgentProgram.RunAsync(
    new AgentDescription("dca-node", "the node agent: reads the kubelet, tags with cluster metadata, ships metrics",
        ["dca-node [options]"]),
    args,
    NodeOptions.Definitions,
    NodeAgent.RunAsync);
