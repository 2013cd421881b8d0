using Dca.Kubernetes.Models;
using Dca.Metadata;

namespace Dca.Tests.Metadata;

public class EndpointMembersTests
{
    private static EndpointSlice Slice(string? service, params SliceEndpoint[] endpoints) => new()
    {
        Metadata = new ObjectMeta
        {
            Name = "web-abc",
            Namespace = "shop",
            ResourceVersion = "42",
            Labels = service is null ? null : new() { [EndpointSlice.ServiceNameLabel] = service, ["other"] = "x" },
            Annotations = new() { ["big"] = new string('x', 100) },
        },
        Endpoints = endpoints,
    };

    [Fact]
    public void FromSlice_KeepsReadyPodEndpointsWithANode()
    {
        var slice = Slice("web",
            new SliceEndpoint("n1", "Pod", "web-1", null, true),
            new SliceEndpoint("n1", "Pod", "web-2", "other-ns", null),
            new SliceEndpoint("n2", "Pod", "web-3", null, false),
            new SliceEndpoint(null, "Pod", "web-4", null, true),
            new SliceEndpoint("n2", "Node", "n2", null, true));

        var members = EndpointMembers.FromSlice(slice, ignoreReadiness: false);

        Assert.Equal(
            [new("n1", new("shop", "web-1", "web")), new("n1", new("other-ns", "web-2", "web"))],
            EndpointMembers.Members(members).ToArray());
        Assert.Equal("shop/web-abc", members.Key);
        Assert.Equal(42UL, members.Version);
    }

    [Fact]
    public void FromSlice_NextVersion_KeepsTheStoredKeyInstance()
    {
        var stored = EndpointMembers.FromSlice(Slice("web", new SliceEndpoint("n1", "Pod", "web-1", null, true)), ignoreReadiness: false);

        var next = EndpointMembers.FromSlice(Slice("web", new SliceEndpoint("n2", "Pod", "web-2", null, true)), ignoreReadiness: false,
            key => key == stored.Key ? stored.Key : key);

        Assert.Equal("shop/web-abc", next.Key);
        Assert.Same(stored.Key, next.Key);
    }

    [Fact]
    public void FromSlice_IgnoringReadiness_CountsNotReadyEndpoints()
    {
        var members = EndpointMembers.FromSlice(Slice("web", new SliceEndpoint("n2", "Pod", "web-3", null, false)), ignoreReadiness: true);
        Assert.Equal([new("n2", new("shop", "web-3", "web"))], EndpointMembers.Members(members).ToArray());
    }

    [Fact]
    public void FromSlice_WithoutServiceLabel_CountsNothing()
    {
        Assert.Empty(EndpointMembers.Members(EndpointMembers.FromSlice(Slice(null, new SliceEndpoint("n1", "Pod", "web-1", null, true)), false)));
    }

    [Fact]
    public void FromEndpoints_UsesTheServiceNameAndReadiness()
    {
        var endpoints = new Endpoints
        {
            Metadata = new ObjectMeta { Name = "web", Namespace = "shop" },
            Subsets =
            [
                new EndpointSubset
                {
                    Addresses = [new EndpointAddress { NodeName = "n1", TargetRef = new ObjectReference { Kind = "Pod", Name = "web-1" } }],
                    NotReadyAddresses = [new EndpointAddress { NodeName = "n2", TargetRef = new ObjectReference { Kind = "Pod", Name = "web-2" } }],
                },
            ],
        };
        Assert.Equal([new("n1", new("shop", "web-1", "web"))], EndpointMembers.Members(EndpointMembers.FromEndpoints(endpoints, false)).ToArray());
        Assert.Equal(2, EndpointMembers.FromEndpoints(endpoints, true).Count);
    }

    [Fact]
    public void FromSlice_KeepsEveryPodNameAndNamespace_WhateverTheyShare()
    {
        var random = new Random(11);
        // Stems that share leading bytes inside a character (日/旧: E6 97 A5 / E6 97 A7; é/è: C3 A9 / C3 A8) put the
        // shared prefix's end inside it.
        string[] stems = ["web-5d8f7c9b6d-", "web-5d8f7c9b6d-x", "web-6f4b9c8d7e-", "api-", "", "é-", "è-", "日-", "旧-"];
        for (var round = 0; round < 1_000; round++)
        {
            // Half the rounds as one ReplicaSet's pods: every name of the same length.
            var sameLength = round % 2 == 0;
            var endpoints = Enumerable.Range(0, random.Next(1, 40)).Select(i => new SliceEndpoint(
                "n" + random.Next(5), "Pod",
                sameLength
                    ? stems[round % stems.Length] + new string((char)('a' + random.Next(26)), 5)
                    : stems[random.Next(random.Next(3) == 0 ? stems.Length : 2)] + new string((char)('a' + random.Next(26)), random.Next(1, 7)) + i,
                random.Next(6) == 0 ? "other" : null, true)).ToArray();

            var members = EndpointMembers.FromSlice(Slice("web", endpoints), ignoreReadiness: false);

            Assert.Equal(
                endpoints.Select(e => new NodeMembership(e.NodeName!, new(e.TargetNamespace ?? "shop", e.TargetName!, "web"))),
                EndpointMembers.Members(members));
        }
    }

    [Theory]
    [InlineData("日-a", "旧-b")]
    [InlineData("é-1", "è-1")]
    public void FromSlice_NamesSharingPartOfACharacter_AreKeptWhole(string first, string second)
    {
        var members = EndpointMembers.FromSlice(Slice("web",
            new SliceEndpoint("n1", "Pod", first, null, true), new SliceEndpoint("n2", "Pod", second, null, true)), false);

        Assert.Equal([first, second], EndpointMembers.Members(members).Select(m => m.Membership.Pod));
    }

    [Fact]
    public void Diff_SamePodStoredWithADifferentSharedPrefix_IsUnchanged()
    {
        // Before, both names share "web-5d8f7c9b6d-"; after, web-…-abcde shares nothing with the new pod.
        var before = EndpointMembers.FromSlice(Slice("web",
            new SliceEndpoint("n1", "Pod", "web-5d8f7c9b6d-abcde", null, true),
            new SliceEndpoint("n2", "Pod", "web-5d8f7c9b6d-fghij", null, true)), false);
        var after = EndpointMembers.FromSlice(Slice("web",
            new SliceEndpoint("n1", "Pod", "web-5d8f7c9b6d-abcde", null, true),
            new SliceEndpoint("n3", "Pod", "canary-x", null, true)), false);

        var change = new MembershipDiff().Compute(before, after);

        Assert.NotNull(change);
        Assert.Equal(["n2", "n3"], change.Value.Dirty.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Diff_MarksOnlyNodesWhoseMembershipsChanged()
    {
        var before = EndpointMembers.FromSlice(Slice("web",
            new SliceEndpoint("n1", "Pod", "web-1", null, true),
            new SliceEndpoint("n2", "Pod", "web-2", null, true),
            new SliceEndpoint("n3", "Pod", "web-3", null, true)), false);
        // web-2 replaced by web-4 on n4; n1 and n3 unchanged (order differs).
        var after = EndpointMembers.FromSlice(Slice("web",
            new SliceEndpoint("n3", "Pod", "web-3", null, true),
            new SliceEndpoint("n1", "Pod", "web-1", null, true),
            new SliceEndpoint("n4", "Pod", "web-4", null, true)), false);

        var change = new MembershipDiff().Compute(before, after);

        Assert.NotNull(change);
        Assert.Equal(["n1", "n3", "n4"], change.Value.Referenced.Order(StringComparer.Ordinal));
        Assert.Equal(["n2"], change.Value.Unreferenced);
        Assert.Equal(["n2", "n4"], change.Value.Dirty.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Diff_OfAnUnchangedMembership_IsNothing()
    {
        var slice = Slice("web", new SliceEndpoint("n1", "Pod", "web-1", null, true));
        Assert.Null(new MembershipDiff().Compute(EndpointMembers.FromSlice(slice, false), EndpointMembers.FromSlice(slice, false)));
    }

    [Fact]
    public void MembershipDiff_RandomChanges_AgreesWithTheReferenceDiff()
    {
        var random = new Random(7);
        var diff = new MembershipDiff();
        SliceEndpoint RandomEndpoint() => new("n" + random.Next(6), random.Next(8) == 0 ? "Service" : "Pod",
            "web-" + random.Next(12), random.Next(3) == 0 ? "other" : null, random.Next(5) != 0);
        for (var round = 0; round < 2_000; round++)
        {
            var endpoints = Enumerable.Range(0, random.Next(10)).Select(_ => RandomEndpoint()).ToList();
            var edited = new List<SliceEndpoint>(endpoints);
            // Mostly small edits, as watch events are: a pod replaced, removed, added, or none.
            for (var edits = random.Next(3); edits > 0; edits--)
            {
                switch (random.Next(3))
                {
                    case 0 when edited.Count > 0: edited[random.Next(edited.Count)] = RandomEndpoint(); break;
                    case 1 when edited.Count > 0: edited.RemoveAt(random.Next(edited.Count)); break;
                    default: edited.Insert(random.Next(edited.Count + 1), RandomEndpoint()); break;
                }
            }
            var ignoreReadiness = random.Next(2) == 0;
            // Now and then the slice is relabelled to another service (or to none).
            string? Service() => random.Next(8) switch { 0 => "api", 1 => null, _ => "web" };
            var before = random.Next(10) == 0 ? null : EndpointMembers.FromSlice(Slice(Service(), [.. endpoints]), ignoreReadiness);
            var after = random.Next(10) == 0 ? null : EndpointMembers.FromSlice(Slice(Service(), [.. edited]), ignoreReadiness);
            var expected = ReferenceDiff.Diff(EndpointMembers.Members(before), EndpointMembers.Members(after));
            var actual = diff.Compute(before, after);
            Assert.Equal(expected is null, actual is null);
            if (expected is { } e && actual is { } a)
            {
                Assert.Equal(e.Referenced.Order(StringComparer.Ordinal), a.Referenced.Order(StringComparer.Ordinal));
                Assert.Equal(e.Unreferenced.Order(StringComparer.Ordinal), a.Unreferenced.Order(StringComparer.Ordinal));
                Assert.Equal(e.Dirty.Order(StringComparer.Ordinal), a.Dirty.Order(StringComparer.Ordinal));
            }
        }
    }
}
