namespace MeshCluster.TestGround; public static class Placeholder {}
