//! Stable hashing (xxHash64, seed 0): ring positions and Merkle hashes must not depend on the
//! platform or the Rust release, or a shared link would place keys differently.

pub fn hash_bytes(b: &[u8]) -> u64 {
    xxhash_rust::xxh64::xxh64(b, 0)
}

pub fn hash_str(s: &str) -> u64 {
    hash_bytes(s.as_bytes())
}

pub fn hash_u64s(xs: &[u64]) -> u64 {
    // Most inputs are a few words (a Merkle node's two children, a version's digest): those are
    // laid out on the stack, not in an allocation per hash.
    const ON_STACK: usize = 8;
    if xs.len() <= ON_STACK {
        let mut buf = [0u8; ON_STACK * 8];
        for (slot, x) in buf.chunks_exact_mut(8).zip(xs) {
            slot.copy_from_slice(&x.to_le_bytes());
        }
        return hash_bytes(&buf[..xs.len() * 8]);
    }
    let mut buf = Vec::with_capacity(xs.len() * 8);
    for x in xs {
        buf.extend_from_slice(&x.to_le_bytes());
    }
    hash_bytes(&buf)
}
