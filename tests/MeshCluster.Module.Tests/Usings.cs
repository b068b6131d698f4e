global using Xunit;
global using MeshCluster.Tests;
global using static MeshCluster.Tests.TestHelpers;
