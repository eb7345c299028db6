//! What a copy of the world costs, item by item, in the bytes of a 64-bit build: fixed, so the
//! tab (wasm32, whose sizes are smaller: the estimate bounds it from above) keeps its checkpoints
//! at the same steps as a native run of the same thing. A test in `sim.rs` checks each against the
//! real size.

/// An `Option<Box<Data>>` slot of a store.
pub const SLOT: usize = 8;
/// A stored copy (its box), or an operation's own fields, or a queued item.
pub const DATA: usize = 24;
pub const OP: usize = 360;
/// A queued item and its boxed contents.
pub const QUEUED: usize = 128;
pub const WORLD: usize = 336;
/// A hint; a client's context of a key; an anti-entropy peer's round-trip estimate.
pub const HINT: usize = 32;
pub const CONTEXT: usize = 16;
pub const RTT: usize = 24;
/// A peer's kept tree root.
pub const ROOT: usize = 16;
/// Elements of an operation's lists: a replica asked (with its stand-in), a replica, a reply,
/// a replica with a digest or time.
pub const ASKED: usize = 12;
pub const NODE: usize = 4;
pub const REPLY: usize = 16;
pub const NODE_AND_U64: usize = 16;
