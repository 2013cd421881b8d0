namespace Dca.ClusterChecks;

/// <summary>What template variables resolve against: a Service (its ClusterIP and ports) or one endpoint.</summary>
/// <param name="Host">The address <c>%%host%%</c> becomes; null for a headless Service.</param>
/// <param name="Ports">Named ports (<c>%%port_&lt;name&gt;%%</c>); <c>%%port%%</c> is the highest, <c>%%port_&lt;i&gt;%%</c> the i-th in ascending order.</param>
/// <param name="Namespace">The namespace (<c>%%kube_namespace%%</c>).</param>
public sealed record CheckTarget(string? Host, IReadOnlyList<(string Name, int Port)> Ports, string Namespace);
