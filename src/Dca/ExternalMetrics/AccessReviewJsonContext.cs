using System.Text.Json.Serialization;
using Dca.Kubernetes.Models;

namespace Dca.ExternalMetrics;

/// <summary>Source-generated JSON for TokenReviews and SubjectAccessReviews.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(AccessReview))]
[JsonSerializable(typeof(KubeList<AccessReview>))]
internal sealed partial class AccessReviewJsonContext : JsonSerializerContext;
