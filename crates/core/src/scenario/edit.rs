//! Editing an experiment: the app's settings and interventions as changes to the scenario file,
//! so an experiment is always a file the CLI can run. Pure functions, tested natively.

use super::{Action, ConflictMode, EventDecl, NodeDecl, Replication, ScenarioFile, MAX_NODES, MAX_TIME_MS};

/// How long after its last event a run needs for every request to finish or time out, the
/// cluster to notice faults, and a hint holder to try one handoff. The default run length and the
/// extension after an intervention both use it.
pub fn settle_ms(r: &Replication) -> f64 {
    2.0 * r.timeout_ms + r.detect_ms + if r.hinted_handoff { r.handoff_ms } else { 0.0 }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Setting {
    N(u32),
    W(u32),
    R(u32),
    Sloppy(bool),
    HintedHandoff(bool),
    ReadRepair(bool),
    /// Turning it on turns read repair on; turning read repair off turns it off.
    BlockingReadRepair(bool),
    AntiEntropy(Option<f64>),
    Conflicts(ConflictMode),
    Nodes(usize),
    Datacenters(usize),
    Seed(u64),
    Loss(f64),
}

pub fn apply_setting(file: &ScenarioFile, s: &Setting) -> ScenarioFile {
    let mut f = file.clone();
    let r = &mut f.replication;
    match s {
        Setting::N(n) => {
            r.n = (*n).max(1);
            r.w = r.w.min(r.n);
            r.r = r.r.min(r.n);
            // A pinned preference list must name at least N nodes; otherwise let the ring decide.
            let n = r.n as usize;
            f.keys.retain(|(_, list)| list.len() >= n);
        }
        Setting::W(w) => r.w = *w,
        Setting::R(x) => r.r = *x,
        Setting::Sloppy(b) => r.sloppy_quorum = *b,
        Setting::HintedHandoff(b) => r.hinted_handoff = *b,
        Setting::ReadRepair(b) => {
            r.read_repair = *b;
            r.blocking_read_repair &= *b;
        }
        Setting::BlockingReadRepair(b) => {
            r.blocking_read_repair = *b;
            r.read_repair |= *b;
        }
        Setting::AntiEntropy(p) => r.anti_entropy_ms = *p,
        Setting::Conflicts(c) => r.conflicts = *c,
        Setting::Seed(seed) => f.seed = *seed,
        Setting::Loss(l) => f.network.loss = l.clamp(0.0, 1.0),
        Setting::Nodes(count) => {
            let count = (*count).clamp(1, MAX_NODES);
            let dcs = datacenters(&f);
            while f.nodes.len() < count {
                let i = f.nodes.len();
                let dc = dcs.get(i % dcs.len().max(1)).cloned().flatten();
                let id = fresh_name(&f, i);
                f.nodes.push(NodeDecl { id, dc });
            }
            if f.nodes.len() > count {
                let removed: Vec<String> = f.nodes.drain(count..).map(|n| n.id).collect();
                drop_references(&mut f, &removed);
            }
            let r = &mut f.replication;
            r.n = r.n.min(count as u32);
            r.w = r.w.min(r.n);
            r.r = r.r.min(r.n);
        }
        Setting::Datacenters(k) => {
            let k = (*k).clamp(1, 4);
            let names = ["dc1", "dc2", "dc3", "dc4"];
            let count = f.nodes.len();
            // Contiguous blocks, so each datacenter is one sector of the ring.
            for (i, n) in f.nodes.iter_mut().enumerate() {
                n.dc = if k == 1 { None } else { Some(names[i * k / count.max(1)].to_string()) };
            }
            for c in &mut f.clients {
                c.dc = None;
            }
            f.events.retain(|e| !matches!(e.action, Action::CrashDc(_) | Action::RecoverDc(_)));
        }
    }
    f
}

fn datacenters(f: &ScenarioFile) -> Vec<Option<String>> {
    let mut out: Vec<Option<String>> = Vec::new();
    for n in &f.nodes {
        if !out.contains(&n.dc) {
            out.push(n.dc.clone());
        }
    }
    out
}

fn fresh_name(f: &ScenarioFile, i: usize) -> String {
    // Single letters while they last (A..Z), then n27, n28...
    let candidates = (0..).map(|j: usize| {
        let k = i + j;
        if k < 26 {
            ((b'A' + k as u8) as char).to_string()
        } else {
            format!("n{}", k + 1)
        }
    });
    for c in candidates {
        if !f.nodes.iter().any(|n| n.id == c) && !f.clients.iter().any(|x| x.id == c) {
            return c;
        }
    }
    unreachable!("the candidates never run out")
}

fn drop_references(f: &mut ScenarioFile, removed: &[String]) {
    let gone = |s: &String| removed.contains(s);
    f.events.retain(|e| match &e.action {
        Action::Crash(n) | Action::Recover(n) => !gone(n),
        _ => true,
    });
    for e in &mut f.events {
        if let Action::Partition(groups) = &mut e.action {
            for g in groups.iter_mut() {
                g.retain(|x| !gone(x));
            }
            // An emptied group is refused in a file; with all gone, the partition cuts nothing.
            groups.retain(|g| !g.is_empty());
        }
    }
    f.events.retain(|e| !matches!(&e.action, Action::Partition(g) if g.is_empty()));
    for (_, list) in f.keys.iter_mut() {
        list.retain(|x| !gone(x));
    }
    let n = f.replication.n as usize;
    f.keys.retain(|(_, l)| l.len() >= n.min(f.nodes.len()));
    f.network.links.retain(|l| !gone(&l.from) && !gone(&l.to));
}

/// Adds an intervention at `t_us`, extending the run so that its effects can play out.
pub fn add_event(file: &ScenarioFile, t_us: u64, action: Action) -> ScenarioFile {
    let mut f = file.clone();
    // Whole microseconds, as the simulator counts; written in ms.
    let at_ms = t_us as f64 / 1000.0;
    f.events.push(EventDecl::at(at_ms, action));
    let needed = (at_ms + settle_ms(&f.replication)).min(MAX_TIME_MS);
    if let Some(end) = f.run_until_ms {
        if end < needed {
            f.run_until_ms = Some(needed);
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Removing nodes drops them from partitions; a group left empty goes (a file may not hold
    /// one), and a partition left with no group goes, so the edited file still reads.
    #[test]
    fn fewer_nodes_leave_no_empty_partition_group() {
        let text = r#"{"nodes": ["a", "b", "c", "d"], "replication": {"n": 2, "w": 1, "r": 1},
            "events": [{"at_ms": 1, "partition": [["d"], ["a", "c"]]}, {"at_ms": 2, "partition": [["c"], ["d"]]},
                       {"at_ms": 3, "client": "x", "put": "k", "value": "v"}]}"#;
        let f = super::super::parse_file(text).unwrap();
        let g = apply_setting(&f, &Setting::Nodes(2));
        let parts: Vec<&Vec<Vec<String>>> = g
            .events
            .iter()
            .filter_map(|e| match &e.action {
                Action::Partition(p) => Some(p),
                _ => None,
            })
            .collect();
        assert_eq!(parts, vec![&vec![vec!["a".to_string()]]]);
        let again = serde_json::to_string(&g).unwrap();
        assert!(super::super::parse(&again).is_ok(), "{:?}", super::super::parse(&again).err());
    }
}
