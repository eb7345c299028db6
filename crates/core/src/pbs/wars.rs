//! The fast path: the WARS model drawn directly (no simulator), for the paper's configuration —
//! every request sent to all N replicas, no repair, no failures. Per replica i: W_i (write
//! there), A_i (ack back), R_i (read there), S_i (answer back). The write commits at
//! w_t = the W-th smallest W_i + A_i; a read starting t after commit uses the first R responders
//! by R_i + S_i, and sees the write at replica i iff w_t + t + R_i >= W_i.
//!
//! All in whole microseconds, drawn with the simulator's own latency sampler and RNG, so a seed
//! gives the same numbers natively and in wasm, and the same distribution as the simulator.

use super::model::Delays;
use crate::order::sort_small;
use crate::rng::Rng;

/// One trial: the write's and the read's latency, and from which t (µs after commit, possibly
/// negative) the read is consistent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Trial {
    pub write_us: u64,
    pub read_us: u64,
    pub fresh_from_us: i64,
}

/// Reused per-replica scratch, so a trial allocates nothing.
pub(crate) struct Scratch {
    w_us: Vec<u64>,
    commit: Vec<u64>,
    /// (R_i + S_i, i): sorted to find the first R responders.
    reads: Vec<(u64, usize)>,
    r_us: Vec<u64>,
}

impl Scratch {
    pub fn new(n: usize) -> Scratch {
        Scratch { w_us: vec![0; n], commit: vec![0; n], reads: vec![(0, 0); n], r_us: vec![0; n] }
    }
}

/// The datacenters of the writer and the reader (replica i is in datacenter i), drawn per trial
/// when the model spans datacenters; otherwise everything is local.
fn datacenters(d: &Delays, rng: &mut Rng, n: usize) -> (Option<usize>, Option<usize>) {
    if d.remote_ms > 0.0 {
        let writer = (rng.next_u64() % n as u64) as usize;
        let reader = (rng.next_u64() % n as u64) as usize;
        (Some(writer), Some(reader))
    } else {
        (None, None)
    }
}

fn extra(dc: Option<usize>, replica: usize, remote_us: u64) -> u64 {
    if dc.is_some_and(|d| d != replica) {
        remote_us
    } else {
        0
    }
}

/// Draws one write to all replicas, each W_i landing at `start_us + W_i`; returns its commit
/// latency (the W-th ack). `land_us[i]` keeps the earliest a version reached replica i.
fn write(d: &Delays, rng: &mut Rng, w: usize, writer: Option<usize>, s: &mut Scratch, start_us: u64) -> u64 {
    let remote = d.remote_us();
    for i in 0..s.w_us.len() {
        let e = extra(writer, i, remote);
        let wi = d.put.sample_us(rng) + e;
        let ai = d.put_ack.sample_us(rng) + e;
        s.w_us[i] = s.w_us[i].min(start_us + wi);
        s.commit[i] = wi + ai;
    }
    sort_small(&mut s.commit);
    s.commit[w - 1]
}

/// Draws the read's delays; `s.reads` ends sorted by response time, `s.r_us` holds each R_i.
fn read(d: &Delays, rng: &mut Rng, reader: Option<usize>, s: &mut Scratch) {
    let remote = d.remote_us();
    for i in 0..s.r_us.len() {
        let e = extra(reader, i, remote);
        let ri = d.get.sample_us(rng) + e;
        let si = d.get_reply.sample_us(rng) + e;
        s.r_us[i] = ri;
        s.reads[i] = (ri + si, i);
    }
    // Ties go to the lower replica, as the simulator delivers equal times in send order.
    sort_small(&mut s.reads);
}

/// One trial of the paper's experiment.
pub(crate) fn trial(d: &Delays, rng: &mut Rng, r: usize, w: usize, s: &mut Scratch) -> Trial {
    let (writer, reader) = datacenters(d, rng, s.w_us.len());
    s.w_us.iter_mut().for_each(|x| *x = u64::MAX);
    let commit_us = write(d, rng, w, writer, s, 0);
    read(d, rng, reader, s);
    // Replica i answers fresh iff commit + t + R_i >= W_i, i.e. t >= W_i - commit - R_i.
    let fresh_from_us = s.reads[..r]
        .iter()
        .map(|&(_, i)| s.w_us[i] as i64 - commit_us as i64 - s.r_us[i] as i64)
        .min()
        .expect("R >= 1");
    Trial { write_us: commit_us, read_us: s.reads[r - 1].0, fresh_from_us }
}

/// k-staleness: k writes one after another (each starts when the previous commits), then a read
/// `t_us` after the last commits. True if the read misses all k versions.
pub(crate) fn misses_last_k(d: &Delays, rng: &mut Rng, r: usize, w: usize, k: u32, t_us: u64, s: &mut Scratch) -> bool {
    let (writer, reader) = datacenters(d, rng, s.w_us.len());
    s.w_us.iter_mut().for_each(|x| *x = u64::MAX);
    let mut start_us = 0;
    for _ in 0..k {
        start_us += write(d, rng, w, writer, s, start_us);
    }
    read(d, rng, reader, s);
    s.reads[..r].iter().all(|&(_, i)| start_us + t_us + s.r_us[i] < s.w_us[i])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::latency::Latency;

    fn constant(w: f64, a: f64, r: f64, s: f64) -> Delays {
        Delays {
            name: "const".into(),
            put: Latency::Const(w),
            put_ack: Latency::Const(a),
            get: Latency::Const(r),
            get_reply: Latency::Const(s),
            remote_ms: 0.0,
        }
    }

    #[test]
    fn a_trial_by_hand() {
        // W=10, A=1, R=2, S=1 everywhere: commit at 11 ms; the read reaches a replica at
        // 11 + t + 2 >= 10 always: consistent from t = -3 ms.
        let mut s = Scratch::new(3);
        let t = trial(&constant(10.0, 1.0, 2.0, 1.0), &mut Rng::new(1), 1, 1, &mut s);
        assert_eq!(t, Trial { write_us: 11_000, read_us: 3_000, fresh_from_us: -3_000 });
    }

    #[test]
    fn wan_adds_the_crossing_to_remote_replicas_only() {
        let mut d = constant(1.0, 1.0, 1.0, 1.0);
        d.remote_ms = 75.0;
        let mut s = Scratch::new(3);
        // W=1: the local replica acks first (2 ms); W=3 waits for a remote one (152 ms).
        assert_eq!(trial(&d, &mut Rng::new(5), 1, 1, &mut s).write_us, 2_000);
        assert_eq!(trial(&d, &mut Rng::new(5), 1, 3, &mut s).write_us, 152_000);
    }
}
