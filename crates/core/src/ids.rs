//! Identifiers and units shared by every module: who is who (indices into the scenario's lists)
//! and the one conversion between the file's milliseconds and the simulation's microseconds.

pub type NodeId = u32;
pub type ClientId = u32;
pub type KeyId = u32;
pub type ValueId = u32;
pub type DcId = u32;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Addr {
    Node(NodeId),
    Client(ClientId),
}

pub fn ms_to_us(ms: f64) -> u64 {
    (ms * 1000.0).round() as u64
}

pub fn us_to_ms(us: u64) -> f64 {
    us as f64 / 1000.0
}
