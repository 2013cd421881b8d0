namespace Dca.Sim.Store;

/// <summary>
/// A request the API server refuses with a Status body: the HTTP code, the machine-readable reason
/// (<c>NotFound</c>, <c>AlreadyExists</c>, <c>Conflict</c>, <c>Expired</c>, ...) and a message
/// worded like the real server's.
/// </summary>
public sealed class StatusException : Exception
{
    /// <summary>Creates a status error.</summary>
    public StatusException(int code, string reason, string message, string? name = null, ResourceType? type = null)
        : base(message)
    {
        Code = code;
        Reason = reason;
        Name = name;
        Type = type;
    }

    /// <summary>The HTTP status code.</summary>
    public int Code { get; }

    /// <summary>The Status reason.</summary>
    public string Reason { get; }

    /// <summary>The object name for <c>details.name</c>, when there is one.</summary>
    public string? Name { get; }

    /// <summary>The resource for <c>details.group</c>/<c>details.kind</c>, when there is one.</summary>
    public ResourceType? Type { get; }

    /// <summary>A continue token to put in the Status metadata (410 on an expired continue).</summary>
    public string? Continue { get; init; }

    /// <summary>The field errors of a 422 Invalid (<c>details.causes</c>).</summary>
    public IReadOnlyList<StatusCause> Causes { get; init; } = [];

    /// <summary>Seconds for <c>Retry-After</c> and <c>details.retryAfterSeconds</c>.</summary>
    public int? RetryAfterSeconds { get; init; }

    internal static StatusException NotFound(ResourceType type, string name) =>
        new(404, "NotFound", $"{type.GroupResource} \"{name}\" not found", name, type);

    internal static StatusException AlreadyExists(ResourceType type, string name) =>
        new(409, "AlreadyExists", $"{type.GroupResource} \"{name}\" already exists", name, type);

    internal static StatusException Conflict(ResourceType type, string name) =>
        new(409, "Conflict",
            $"Operation cannot be fulfilled on {type.GroupResource} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
            name, type);

    internal static StatusException BadRequest(string message) => new(400, "BadRequest", message);

    internal static StatusException Invalid(ResourceType type, string name, string message) =>
        new(422, "Invalid", $"{type.Kind} \"{name}\" is invalid: {message}", name, type);

    /// <summary>A 422 listing field errors, worded and detailed as the real server's (details.kind is the kind here, as there).</summary>
    internal static StatusException Invalid(ResourceType type, string name, IReadOnlyList<StatusCause> causes)
    {
        var errors = causes.Select(c => c.Field + ": " + c.Message).ToList();
        var message = errors.Count == 1 ? errors[0] : "[" + string.Join(", ", errors) + "]";
        return new(422, "Invalid", $"{type.Kind}.{type.Group} \"{name}\" is invalid: {message}", name, type) { Causes = causes, DetailsKind = type.Kind };
    }

    /// <summary>What <c>details.kind</c> says when it is not the resource's plural (a 422 names the kind).</summary>
    public string? DetailsKind { get; init; }

    internal static StatusException Expired(string message) => new(410, "Expired", message);

    internal static StatusException TooOld(long requested, long oldest) =>
        Expired($"too old resource version: {requested} ({oldest})");
}
