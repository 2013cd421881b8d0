namespace Dca.Sim.Store;

/// <summary>
/// One entry of a Status's <c>details.causes</c>: what kubectl prints for a 422 (<c>field: message</c>).
/// </summary>
/// <param name="Reason">The machine-readable reason, e.g. <c>FieldValueRequired</c>, <c>FieldValueInvalid</c>.</param>
/// <param name="Message">The message without the field, e.g. <c>Required value</c>.</param>
/// <param name="Field">The field path, e.g. <c>spec.group</c>.</param>
public sealed record StatusCause(string Reason, string Message, string Field);
