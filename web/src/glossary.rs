//! The glossary, in the project's own words.

pub const TERMS: &[(&str, &str)] = &[
    ("Replica", "A node that keeps a copy of a key's value."),
    ("Preference list", "The nodes responsible for a key, in ring order. The first N are its home replicas; the rest are fallbacks."),
    ("N, W, R", "N copies of each key; a write succeeds once W replicas acknowledge it; a read returns once R replicas answer."),
    ("Quorum overlap", "With W + R > N, every set of W replicas shares at least one node with every set of R replicas, so a read meets the latest completed write — as long as both use the same N replicas."),
    ("Leaderless", "No node orders the writes: the client (or any coordinator) sends each request to the replicas directly."),
    ("Stale read", "A read that returns an older value although a newer write had already succeeded."),
    ("Failed write", "A write that got fewer than W acknowledgements in time. It is not rolled back: replicas that stored it keep it."),
    ("Sloppy quorum", "When home replicas are unreachable, use the next healthy nodes of the preference list instead, so writes keep succeeding."),
    ("Hinted handoff", "A fallback that took a write for an unreachable replica keeps a hint naming it, and hands the value over once that replica is back."),
    ("Read repair", "After a read, the coordinator sends the newest value to replicas that answered with older data."),
    ("Anti-entropy", "A background process in which replicas compare their data and copy what differs, whether or not anyone reads it."),
    ("Merkle tree", "A tree of hashes over key ranges. Two replicas compare roots first and descend only into subtrees whose hashes differ."),
    ("Last write wins (LWW)", "Keep the value with the highest timestamp. Concurrent writes lose silently, and skewed clocks can make a later write lose."),
    ("Version vector", "A counter per writer that records what a version has seen; it tells whether one version replaces another or they are concurrent."),
    ("Siblings", "Concurrent versions kept side by side until a writer that has seen them all replaces them."),
    ("Monotonic reads", "A client never reads an older value after it has read a newer one. Quorums alone do not promise it."),
    ("Lost update", "An acknowledged write that vanishes without any later write replacing it."),
    ("Divergence", "Replicas of the same key holding different values."),
    ("Partition", "A cut in the network: nodes on one side cannot reach the other."),
    ("Eventual consistency", "If writes stop, replicas converge to the same value eventually; until then reads may be stale."),
];
