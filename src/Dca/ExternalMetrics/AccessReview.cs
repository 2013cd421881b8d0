using System.Text.Json.Serialization;
using Dca.Kubernetes.Models;

namespace Dca.ExternalMetrics;

/// <summary>
/// The two delegated reviews an aggregated API server asks kube-apiserver for (<c>authentication.k8s.io/v1</c>
/// TokenReview, <c>authorization.k8s.io/v1</c> SubjectAccessReview), with only the fields used. Both are created,
/// never stored; the answer is the returned status.
/// </summary>
public sealed class AccessReview : IKubernetesObject
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "";

    [JsonPropertyName("metadata")]
    public ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public AccessReviewSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public AccessReviewStatus? Status { get; set; }

    public static readonly ResourceKind<AccessReview> TokenReviews = new()
    {
        Group = "authentication.k8s.io", Version = "v1", Plural = "tokenreviews", Namespaced = false,
        ItemType = AccessReviewJsonContext.Default.AccessReview, ListType = AccessReviewJsonContext.Default.KubeListAccessReview,
    };

    public static readonly ResourceKind<AccessReview> SubjectAccessReviews = new()
    {
        Group = "authorization.k8s.io", Version = "v1", Plural = "subjectaccessreviews", Namespaced = false,
        ItemType = AccessReviewJsonContext.Default.AccessReview, ListType = AccessReviewJsonContext.Default.KubeListAccessReview,
    };
}

/// <summary>A TokenReview's <c>token</c>, or a SubjectAccessReview's user, groups and attributes.</summary>
public sealed class AccessReviewSpec
{
    [JsonPropertyName("token")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Token { get; set; }

    [JsonPropertyName("user")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? User { get; set; }

    [JsonPropertyName("groups")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<string>? Groups { get; set; }

    [JsonPropertyName("resourceAttributes")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ResourceAttributes? ResourceAttributes { get; set; }

    [JsonPropertyName("nonResourceAttributes")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public NonResourceAttributes? NonResourceAttributes { get; set; }
}

public sealed class ResourceAttributes
{
    [JsonPropertyName("namespace")]
    public string Namespace { get; set; } = "";

    [JsonPropertyName("verb")]
    public string Verb { get; set; } = "";

    [JsonPropertyName("group")]
    public string Group { get; set; } = "";

    [JsonPropertyName("version")]
    public string Version { get; set; } = "";

    [JsonPropertyName("resource")]
    public string Resource { get; set; } = "";
}

public sealed class NonResourceAttributes
{
    [JsonPropertyName("path")]
    public string Path { get; set; } = "";

    [JsonPropertyName("verb")]
    public string Verb { get; set; } = "";
}

/// <summary>The answer: a TokenReview's <c>authenticated</c>, <c>user</c> and <c>error</c>; a SubjectAccessReview's <c>allowed</c>, <c>denied</c> and <c>reason</c>.</summary>
public sealed class AccessReviewStatus
{
    [JsonPropertyName("authenticated")]
    public bool Authenticated { get; set; }

    [JsonPropertyName("user")]
    public ReviewedUser? User { get; set; }

    [JsonPropertyName("error")]
    public string? Error { get; set; }

    [JsonPropertyName("allowed")]
    public bool Allowed { get; set; }

    [JsonPropertyName("denied")]
    public bool Denied { get; set; }

    [JsonPropertyName("reason")]
    public string? Reason { get; set; }

    [JsonPropertyName("evaluationError")]
    public string? EvaluationError { get; set; }
}

public sealed class ReviewedUser
{
    [JsonPropertyName("username")]
    public string? Username { get; set; }

    [JsonPropertyName("groups")]
    public List<string>? Groups { get; set; }
}
