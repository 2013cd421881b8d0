namespace Dca.ClusterChecks;

/// <summary>
/// One resolved check configuration, as Datadog's <c>integration.Config</c>: a check name, its
/// <c>init_config</c> and instances as YAML documents (JSON flow style, which is YAML), and where it came from.
/// </summary>
/// <param name="CheckName">The integration, e.g. <c>http_check</c>.</param>
/// <param name="InitConfig">The <c>init_config</c> YAML (<c>{}</c> when there is none).</param>
/// <param name="Instances">One YAML document per instance.</param>
/// <param name="Provider">Datadog's provider name: <c>file</c>, <c>kube_services</c>, <c>kube_endpoints</c>.</param>
/// <param name="Source">Provider and origin, e.g. <c>kube_services:kube_service://default/web</c>.</param>
/// <param name="ServiceId">The AD service id (<c>kube_service://ns/name</c>, <c>kube_endpoint_uid://ns/name/ip</c>); "" for files.</param>
/// <param name="AdIdentifiers">The AD identifiers (the service id for services and endpoints).</param>
/// <param name="NodeName">For endpoints checks: the node hosting the pod behind the endpoint; "" otherwise.</param>
public sealed record CheckConfig(
    string CheckName,
    string InitConfig,
    IReadOnlyList<string> Instances,
    string Provider,
    string Source,
    string ServiceId,
    IReadOnlyList<string> AdIdentifiers,
    string NodeName = "");
