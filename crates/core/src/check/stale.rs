//! `stale_read`: see [`AnomalyKind::StaleRead`]. The write the get missed is the core's one
//! definition of "the write a read should have seen" (`expect.rs`), so the checker, the report and
//! the app's quorum line always cite the same put.

use super::words::{why_dropped, written_value, Words};
use super::{Anomaly, AnomalyKind};
use crate::expect::{Expected, OkPuts};
use crate::ids::{NodeId, ValueId};

pub(super) fn check(c: &Words, ok_puts: &OkPuts, gi: u32) -> Option<Anomaly> {
    let g = &c.ops[gi as usize];
    let Expected { put: p, missed: true } = ok_puts.expected(c.s, c.ops, gi)? else { return None };
    let p_op = &c.ops[p as usize];
    let v = written_value(p_op).expect("a put");
    let replied = g.replied_by();
    let (gstart, gend) = (g.start_us.unwrap_or(0), g.end_us.unwrap_or(0));
    Some(Anomaly {
        kind: AnomalyKind::StaleRead,
        op: Some(gi),
        key: g.key,
        related_ops: vec![p],
        nodes: replied.clone(),
        at_us: gend,
        explanation: format!(
            "{}'s get of `{}` (started {}) returned {}, but {}'s put of {} had already succeeded at {}{}. {}",
            c.client(gi),
            c.s.sc.keys[g.key as usize],
            Words::ms(gstart),
            c.values(&g.values()),
            c.client(p),
            c.value(v),
            Words::ms(p_op.end_us.unwrap_or(0)),
            replacing(c, p, &g.values()),
            why(c, gi, v, &replied, p_op.write_set())
        ),
    })
}

/// ", replacing "v1"" when the put had replaced (had in its causal context) values the get
/// returned: the get showed a superseded version.
fn replacing(c: &Words, p: u32, returned: &[ValueId]) -> String {
    let replaced: Vec<ValueId> =
        returned.iter().copied().filter(|v| c.dot_of(*v).is_some_and(|d| c.saw(c.value_of(p), d))).collect();
    if replaced.is_empty() {
        String::new()
    } else {
        format!(", replacing {}", c.values(&replaced))
    }
}

/// Why the read missed the write: a replica it heard from had the write and the conflict mode
/// dropped it (said in that mode's words), or no such replica had it yet — the sets did not
/// overlap, and whether they had to.
fn why(c: &Words, gi: u32, v: ValueId, replied: &[NodeId], write_set: &[NodeId]) -> String {
    if let Some(why) = why_dropped(c, gi, v) {
        return why;
    }
    let repl = &c.s.sc.repl;
    let overlap: Vec<NodeId> = replied.iter().copied().filter(|n| write_set.contains(n)).collect();
    if !overlap.is_empty() {
        let who = c.nodes(&overlap);
        let mode = repl.conflicts.why_older_answer();
        return format!("{who} acknowledged that put and answered this read, but returned an older version{mode}.");
    }
    let sets = format!("The read set ({}) and the write set ({}) do not overlap", c.nodes(replied), c.nodes(write_set));
    let sum = repl.w + repl.r;
    if sum <= repl.n {
        format!("{sets}: with W+R={sum} ≤ N={} they need not.", repl.n)
    } else if repl.sloppy_quorum {
        format!(
            "{sets} although W+R={sum} > N={}: under a sloppy quorum the sets are drawn from whichever nodes were healthy, not from the same N home replicas.",
            repl.n
        )
    } else {
        format!("{sets}.")
    }
}
