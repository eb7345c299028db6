//! `divergence`: see [`AnomalyKind::Divergence`].

use super::words::Words;
use super::{Anomaly, AnomalyKind};
use crate::ids::{KeyId, NodeId, ValueId};
use crate::sim::World;

pub(super) fn check(c: &Words, w: &World, out: &mut super::Checked) {
    for k in 0..c.s.sc.keys.len() as KeyId {
        let live: Vec<NodeId> = c.s.home(k).iter().copied().filter(|n| w.nodes[*n as usize].up).collect();
        let held: Vec<Vec<ValueId>> = live
            .iter()
            .map(|n| {
                let mut v = w.nodes[*n as usize].store[k as usize].as_ref().map(|d| d.values()).unwrap_or_default();
                crate::order::sort_u32(&mut v);
                v
            })
            .collect();
        if held.windows(2).all(|p| p[0] == p[1]) {
            continue;
        }
        let detail: Vec<String> = live
            .iter()
            .zip(&held)
            .map(|(n, v)| format!("{} has {}", c.s.sc.nodes[*n as usize].name, c.values(v)))
            .collect();
        let hint = why(c, w, &live);
        out.add(AnomalyKind::Divergence, || Anomaly {
            kind: AnomalyKind::Divergence,
            op: None,
            key: k,
            related_ops: vec![],
            nodes: live.clone(),
            at_us: w.now,
            explanation: format!(
                "At the end the home replicas of `{}` disagree: {}.{}",
                c.s.sc.keys[k as usize],
                detail.join("; "),
                hint
            ),
        });
    }
}

/// Why repair has not made them agree, most fundamental reason first.
fn why(c: &Words, w: &World, live: &[NodeId]) -> &'static str {
    let repl = &c.s.sc.repl;
    let cut_off = live.iter().any(|a| live.iter().any(|b| w.actual.group[*a as usize] != w.actual.group[*b as usize]));
    if !repl.conflicts.repairs() {
        " Without versions nothing can tell which copy is right, so there is no repair in this mode (read repair and anti-entropy are off): they will disagree for good."
    } else if repl.anti_entropy_ms.is_none() && !repl.read_repair {
        " Neither read repair nor anti-entropy is on to reconcile them."
    } else if cut_off {
        " A partition still separates them, so no repair can reach across until it heals."
    } else if repl.anti_entropy_ms.is_none() {
        " Read repair only fixes what a get happens to read, and anti-entropy is off."
    } else {
        " Repair had not reached them by the end of the run."
    }
}
