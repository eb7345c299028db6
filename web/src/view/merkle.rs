//! The Merkle view: during an anti-entropy exchange, both replicas' trees side by side, the
//! subtrees found to differ as the exchange descends, and the cost against a naive comparison.

use crate::model::{fmt_ms, Model};
use quorumscope_core::num::fixed;
use quorumscope_core::Tree;
use quorumscope_core::{Ev, MerkleStep};
use std::rc::Rc;
use yew::prelude::*;

/// Levels drawn (0..=SHOWN_LEVELS): 31 boxes per tree at most.
pub const SHOWN_LEVELS: u32 = 4;

#[derive(Properties, PartialEq)]
pub struct MerkleProps {
    pub model: Rc<Model>,
    pub t_us: u64,
}

fn draw(tree: &Tree, other: &Tree, revealed: u32, x0: f64, name: &str) -> Html {
    let levels = tree.depth.min(SHOWN_LEVELS);
    let width = 300.0;
    let boxes = (0..=levels).flat_map(|l| {
        let count = 1u32 << l;
        (0..count).map(move |i| (l, i, count))
    });
    let items = boxes.map(|(l, i, count)| {
        let idx = (1u32 << l) + i;
        let cx = x0 + width * (i as f64 + 0.5) / count as f64;
        let cy = 30.0 + l as f64 * 34.0;
        let h = tree.hash(idx);
        let differs = h != other.hash(idx);
        let shown = l <= revealed;
        let class = classes!("mk", (shown && differs).then_some("differ"), (shown && !differs).then_some("same"), (h == 0).then_some("empty"));
        let w = (width / count as f64 - 3.0).min(56.0);
        let parent = (l > 0).then(|| (x0 + width * ((i / 2) as f64 + 0.5) / (count / 2) as f64, cy - 34.0));
        html! {
            <g class={class}>
                if let Some((px, py)) = parent { <line x1={fixed(px, 1)} y1={fixed(py + 9.0, 1)} x2={fixed(cx, 1)} y2={fixed(cy - 9.0, 1)} /> }
                <rect x={fixed(cx - w / 2.0, 1)} y={fixed(cy - 9.0, 1)} width={fixed(w, 1)} height="18" rx="3" />
                // A hash is shown once the exchange has compared its level: comparing them
                // before is the answer a lesson asks for.
                if w > 34.0 && shown { <text x={fixed(cx, 1)} y={fixed(cy + 4.0, 1)} text-anchor="middle">{ if h == 0 { "·".to_string() } else { format!("{:04x}", h >> 48) } }</text> }
            </g>
        }
    });
    html! {
        <g>
            <text class="mk-title" x={fixed(x0 + width / 2.0, 1)} y="12" text-anchor="middle">{ name.to_string() }</text>
            { for items }
        </g>
    }
}

/// A plain function, not a component: it shows the current instant, so it re-renders with every
/// frame anyway, and a component type costs its own copy of Yew's lifecycle code.
pub fn merkle_view(p: &MerkleProps) -> Html {
    let m = &p.model;
    let repl = &m.sc().repl;
    let Some(x) = m.exchange_for(p.t_us) else {
        let note = match repl.anti_entropy_ms {
            None => "Anti-entropy is off. Turn it on (Replication panel, Anti-entropy) to watch replicas compare Merkle trees in the background.".to_string(),
            Some(ms) => format!("No exchange at this instant. Every {} ms each replica compares its Merkle tree with a peer; step to the next exchange to watch one.", quorumscope_core::num::num(ms)),
        };
        return html! { <section class="panel merkle" aria-label="Merkle trees"><header class="panel-head"><h2>{ "Merkle trees" }</h2></header><p class="muted">{ note }</p></section> };
    };
    // The trees as the exchange began: what it compared (a repair at its end makes them equal).
    let trees = m.trees_at_start(x);
    let (a, b) = (&trees.0, &trees.1);
    // How far the descent has got by now, from the exchange's trace steps.
    let trace = &m.rec().trace;
    let lo = trace.partition_point(|e| e.at_us < x.start_us);
    let hi = trace.partition_point(|e| e.at_us <= p.t_us).max(lo);
    let steps: Vec<(u64, &MerkleStep)> = trace[lo..hi]
        .iter()
        .filter_map(|e| match &e.ev {
            Ev::Merkle { xid, step } if *xid == x.xid && e.at_us <= p.t_us => Some((e.at_us, step)),
            _ => None,
        })
        .collect();
    let mut revealed = 0u32;
    let mut compared = 0u64;
    let mut lines = Vec::new();
    for (at, s) in &steps {
        match s {
            MerkleStep::Level { level, compared: c, differing } => {
                revealed = revealed.max(*level);
                compared += *c as u64;
                lines.push(format!(
                    "{}: level {level} — {c} hash(es) compared, {} differ",
                    fmt_ms(*at),
                    differing.len()
                ));
            }
            MerkleStep::Keys { keys } => lines.push(format!(
                "{}: keys that differ: {}",
                fmt_ms(*at),
                keys.iter().map(|k| m.key(*k)).collect::<Vec<_>>().join(", ")
            )),
            MerkleStep::Done { hashes_compared, keys_exchanged } => lines
                .push(format!("{}: done — {hashes_compared} hash(es), {keys_exchanged} key(s) exchanged", fmt_ms(*at))),
            MerkleStep::Abandoned { reason } => lines.push(format!("{}: abandoned ({})", fmt_ms(*at), reason.name())),
            MerkleStep::Start { .. } => lines.push(format!(
                "{}: {} sends its root hash to {}",
                fmt_ms(*at),
                m.node_name(x.initiator),
                m.node_name(x.peer)
            )),
        }
    }
    let naive = 1u64 << repl.merkle_depth;
    let done = steps.iter().find_map(|(_, s)| match s {
        MerkleStep::Done { hashes_compared, keys_exchanged } => Some((*hashes_compared, u64::from(*keys_exchanged))),
        _ => None,
    });
    html! {
        <section class="panel merkle" aria-label="Merkle trees">
            <header class="panel-head"><h2>{ format!("Merkle trees: {} ↔ {}", m.node_name(x.initiator), m.node_name(x.peer)) }</h2></header>
            <p data-merkle-summary="">{ summary(compared, done, naive) }</p>
            // Scrolls sideways on a phone: focusable, so a keyboard can scroll it too.
            <div class="mk-scroll" tabindex="0" role="region" aria-label="Merkle trees, scrolls sideways"><svg class="mk-svg" viewBox="0 0 660 200" role="img" aria-label="Both replicas' Merkle trees as the exchange began; differing subtrees are highlighted as the exchange finds them">
                { draw(a, b, revealed, 10.0, m.node_name(x.initiator)) }
                { draw(b, a, revealed, 350.0, m.node_name(x.peer)) }
            </svg></div>
            <p class="muted">{ format!("Both trees as they were when the exchange began, at {}.", fmt_ms(x.start_us)) }</p>
            if repl.merkle_depth > SHOWN_LEVELS {
                <p class="muted">{ format!("Showing the top {} levels of a depth-{} tree; the descent continues below along the highlighted subtrees.", SHOWN_LEVELS + 1, repl.merkle_depth) }</p>
            }
            <ol class="mk-steps">{ for lines.iter().map(|l| html! { <li>{ l.clone() }</li> }) }</ol>
        </section>
    }
}

/// The cost so far; the whole exchange's cost only once it is done (`done`: hashes compared, keys
/// exchanged) — before that it is the answer a lesson may be asking for.
fn summary(compared: u64, done: Option<(u64, u64)>, naive: u64) -> String {
    let Some((h, keys)) = done else {
        return format!("Hashes compared so far: {compared}, against {naive} leaf hashes for a naive full comparison.");
    };
    // A finished top-down descent compares the root, then both children of each differing node.
    let how = if h % 2 == 1 { format!(" (1 + 2 × {} differing internal nodes)", (h - 1) / 2) } else { String::new() };
    format!("This exchange compared {h} hashes{how} and exchanged {keys} key(s), against {naive} leaf hashes for a naive full comparison.")
}
