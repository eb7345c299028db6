//! `failed_write_read`: see [`AnomalyKind::FailedWriteRead`].

use super::words::Words;
use super::{Anomaly, AnomalyKind};
use crate::client::Status;

pub(super) fn check(c: &Words, gi: u32, out: &mut super::Checked) {
    let g = &c.ops[gi as usize];
    for v in g.values() {
        let q = c.put_of(v);
        let q_op = &c.ops[q as usize];
        if q_op.status != Status::Failed {
            continue;
        }
        out.add(AnomalyKind::FailedWriteRead, || Anomaly {
            kind: AnomalyKind::FailedWriteRead,
            op: Some(gi),
            key: g.key,
            related_ops: vec![q],
            nodes: g.replied_by(),
            at_us: g.end_us.unwrap_or(0),
            explanation: format!(
                "{}'s get returned {}, written by {}'s put that was reported failed at {}: not confirmed (acknowledged by {}; W={}), so its outcome was indeterminate to the client — it may or may not have taken effect. It had: a failed put is not rolled back, and the replicas that stored it keep it and serve it.",
                c.client(gi),
                c.value(v),
                c.client(q),
                Words::ms(q_op.end_us.unwrap_or(0)),
                c.nodes(&q_op.acked_by),
                c.s.sc.repl.w
            ),
        });
    }
}
