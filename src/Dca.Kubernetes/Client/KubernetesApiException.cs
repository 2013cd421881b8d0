using System.Net;

namespace Dca.Kubernetes.Client;

/// <summary>
/// An API request the server refused, decoded from its Status body: HTTP code, Kubernetes reason
/// (NotFound, Conflict, AlreadyExists, Expired, Forbidden, ...) and message. 401 and 403 name the verb
/// and the resource, so missing RBAC is obvious from the log line.
/// </summary>
public sealed class KubernetesApiException : Exception
{
    public KubernetesApiException(HttpStatusCode statusCode, string? reason, string message, string verb, string resource)
        : base(Describe(statusCode, reason, message, verb, resource))
    {
        StatusCode = statusCode;
        Reason = reason;
        ServerMessage = message;
        Verb = verb;
        Resource = resource;
    }

    public HttpStatusCode StatusCode { get; }

    /// <summary>The Status reason, e.g. <c>Conflict</c>, <c>Expired</c>; null when the body had none.</summary>
    public string? Reason { get; }

    public string ServerMessage { get; }

    public string Verb { get; }

    public string Resource { get; }

    public bool IsNotFound => StatusCode == HttpStatusCode.NotFound;

    public bool IsConflict => StatusCode == HttpStatusCode.Conflict && Reason != "AlreadyExists";

    public bool IsAlreadyExists => StatusCode == HttpStatusCode.Conflict && Reason == "AlreadyExists";

    /// <summary>410 Gone or reason Expired: the resourceVersion or continue token is too old; relist.</summary>
    public bool IsExpired => StatusCode == HttpStatusCode.Gone || Reason is "Expired" or "Gone";

    private static string Describe(HttpStatusCode code, string? reason, string message, string verb, string resource) => code switch
    {
        HttpStatusCode.Unauthorized =>
            $"the API server rejected our credentials (401) for {verb} {resource}: {message}",
        HttpStatusCode.Forbidden =>
            $"RBAC: not allowed to {verb} {resource} (403): {message}; grant the verb in the ClusterRole",
        _ => $"{verb} {resource} failed: {(int)code} {reason ?? code.ToString()}: {message}",
    };
}
