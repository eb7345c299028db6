//! The checked form the simulator runs: names resolved to indices, times in microseconds, every
//! limit enforced. [`Scenario::from_file`] is the only way to get one.

use super::read::latency_at;
use super::*;
use crate::ids::{ms_to_us, Addr, ClientId, DcId, KeyId, NodeId, ValueId};
use crate::latency::Latency;

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub name: String,
    pub dc: DcId,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Client {
    pub name: String,
    pub dc: DcId,
    pub clock_skew_us: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    pub from: Addr,
    pub to: Addr,
    pub latency: Latency,
}

/// Anything that sends or receives messages.

#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    Put {
        client: ClientId,
        key: KeyId,
        value: ValueId,
        blind: bool,
        op: u32,
    },
    Get {
        client: ClientId,
        key: KeyId,
        op: u32,
    },
    Crash(Vec<NodeId>),
    Recover(Vec<NodeId>),
    /// Group number of every actor: nodes first, then clients.
    Partition(Vec<u16>),
    Heal,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TimedEvent {
    /// When it runs; for an event with `after`, the earliest it may run.
    pub at_us: u64,
    pub event: Event,
    /// Runs this long after this operation completes (`after` in the file): (op, delay µs).
    pub after: Option<(u32, u64)>,
    /// What the file said (for narration).
    pub decl: Action,
}

/// A checked scenario: names resolved to indices, times in microseconds.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub title: String,
    pub description: String,
    pub seed: u64,
    pub dcs: Vec<String>,
    pub nodes: Vec<Node>,
    pub clients: Vec<Client>,
    /// Keys in order of first mention (pinned keys first).
    pub keys: Vec<String>,
    /// Preference lists fixed by the file, by key id (ascending).
    pub pinned: Vec<(KeyId, Vec<NodeId>)>,
    /// Values of puts, by `ValueId` (one per put event, in file order).
    pub values: Vec<String>,
    pub repl: Replication,
    pub latency: Latency,
    /// `network.latency_by_kind_ms` by the position of the kind in [`MESSAGE_KINDS`] (which is
    /// `MsgKind`'s order); `None` falls back to `latency`.
    pub kind_latency: Vec<Option<Latency>>,
    pub between_dcs_us: u64,
    pub loss: f64,
    pub links: Vec<Link>,
    pub events: Vec<TimedEvent>,
    pub op_count: u32,
    pub run_until_us: u64,
    /// The lesson's narrated steps, as written (when each is shown depends on the run: `steps.rs`).
    pub steps: Vec<StepDecl>,
}

fn check_time(path: &str, ms: f64) -> Result<u64, ScenarioError> {
    if !ms.is_finite() || ms < 0.0 {
        return Err(ScenarioError::new(path, format!("must be a time >= 0 ms, got {}", crate::num::num(ms))));
    }
    if ms > MAX_TIME_MS {
        // `num` writes whole numbers up to 10^15 exactly; past that it would print a wrong one.
        let shown = if ms < 1e15 { crate::num::num(ms) } else { "more than 1,000,000,000,000,000".to_string() };
        return Err(ScenarioError::new(
            path,
            format!("{shown} ms is past the {} ms (one hour) cap", crate::num::num(MAX_TIME_MS)),
        ));
    }
    Ok(ms_to_us(ms))
}

fn check_name(path: &str, s: &str) -> Result<(), ScenarioError> {
    if s.is_empty() || s.len() > MAX_NAME_LEN {
        return Err(ScenarioError::new(path, format!("a name must have 1 to {MAX_NAME_LEN} bytes, got {}", s.len())));
    }
    if s.chars().any(|c| c.is_control()) {
        return Err(ScenarioError::new(path, "a name may not contain control characters"));
    }
    Ok(())
}

fn check_latency(path: &str, l: &Latency) -> Result<(), ScenarioError> {
    // Values built in code (not parsed) get the same checks as parsed ones.
    latency_at(&l.to_json(), path).map(|_| ())
}

fn err<T>(path: &str, message: String) -> Result<T, ScenarioError> {
    Err(ScenarioError::new(path, message))
}

/// Names resolved so far, in order of first mention. Each step of [`Scenario::from_file`] adds to
/// it or reads it; the steps run in a fixed order, so the first error in that order is reported.
#[derive(Default)]
struct Names {
    dcs: Vec<String>,
    nodes: Vec<Node>,
    clients: Vec<Client>,
    keys: Vec<String>,
    /// Key name -> id: 100,000 events naming 10,000 keys were a second of looking through them.
    key_ids: std::collections::BTreeMap<String, KeyId>,
    /// Node and client name -> address: a partition flapping at every other event on 256 nodes
    /// named 25,000,000 of them, each looked up through the list.
    actor_ids: std::collections::BTreeMap<String, Addr>,
}

/// At most 8 names, then how many more: a cluster may have 256 nodes.
fn known<'a>(names: impl ExactSizeIterator<Item = &'a str>) -> String {
    const SHOWN: usize = 8;
    let total = names.len();
    let mut out = names.take(SHOWN).collect::<Vec<_>>().join(", ");
    if total > SHOWN {
        out.push_str(&format!(" and {} more", total - SHOWN));
    }
    if total == 0 {
        out.push_str("none");
    }
    out
}

impl Names {
    /// Datacenters in order of first mention; nodes without one share "dc1".
    fn dc(&mut self, name: Option<&String>) -> DcId {
        let name = name.cloned().unwrap_or_else(|| "dc1".to_string());
        match self.dcs.iter().position(|d| *d == name) {
            Some(i) => i as DcId,
            None => {
                self.dcs.push(name);
                (self.dcs.len() - 1) as DcId
            }
        }
    }

    fn node(&self, name: &str) -> Option<NodeId> {
        match self.actor_ids.get(name) {
            Some(Addr::Node(n)) => Some(*n),
            _ => None,
        }
    }

    fn client_id(&self, name: &str) -> Option<ClientId> {
        match self.actor_ids.get(name) {
            Some(Addr::Client(c)) => Some(*c),
            _ => None,
        }
    }

    fn node_at(&self, name: &str, path: String) -> Result<NodeId, ScenarioError> {
        self.node(name)
            .ok_or_else(|| ScenarioError::new(path, format!("unknown node `{name}` ({})", self.known_nodes())))
    }

    /// The names a reference could have meant, so that a message about a node renamed in one
    /// place shows the new name beside the old one.
    fn known_nodes(&self) -> String {
        format!("known: {}", known(self.nodes.iter().map(|n| n.name.as_str())))
    }

    fn known_clients(&self) -> String {
        match self.clients.len() {
            0 => "`clients` lists none".into(),
            _ => format!("`clients` lists {}", known(self.clients.iter().map(|c| c.name.as_str()))),
        }
    }

    fn nodes(&mut self, f: &ScenarioFile) -> Result<(), ScenarioError> {
        if f.nodes.is_empty() {
            return err("nodes", "a cluster needs at least one node".into());
        }
        if f.nodes.len() > MAX_NODES {
            return err("nodes", format!("{} nodes; the limit is {MAX_NODES}", f.nodes.len()));
        }
        for (i, n) in f.nodes.iter().enumerate() {
            check_name(&format!("nodes[{i}].id"), &n.id)?;
            if let Some(dc) = &n.dc {
                check_name(&format!("nodes[{i}].dc"), dc)?;
            }
            if self.node(&n.id).is_some() {
                return err(&format!("nodes[{i}].id"), format!("node `{}` is listed twice", n.id));
            }
            let dc = self.dc(n.dc.as_ref());
            self.actor_ids.insert(n.id.clone(), Addr::Node(self.nodes.len() as NodeId));
            self.nodes.push(Node { name: n.id.clone(), dc });
        }
        Ok(())
    }

    fn declared_clients(&mut self, f: &ScenarioFile) -> Result<(), ScenarioError> {
        for (i, c) in f.clients.iter().enumerate() {
            let p = format!("clients[{i}]");
            check_name(&format!("{p}.id"), &c.id)?;
            if self.node(&c.id).is_some() {
                return err(&format!("{p}.id"), format!("`{}` is already a node's name", c.id));
            }
            if self.client_id(&c.id).is_some() {
                return err(&format!("{p}.id"), format!("client `{}` is listed twice", c.id));
            }
            if !c.clock_skew_ms.is_finite() || c.clock_skew_ms.abs() > MAX_TIME_MS {
                return err(
                    &format!("{p}.clock_skew_ms"),
                    format!("must be a finite number of ms within ±{}", crate::num::num(MAX_TIME_MS)),
                );
            }
            if let Some(dc) = &c.dc {
                if !self.dcs.contains(dc) {
                    let known = self.dcs.join(", ");
                    return err(&format!("{p}.dc"), format!("no node is in datacenter `{dc}` (known: {known})"));
                }
            }
            let first_dc = self.dcs[0].clone();
            let dc = self.dc(Some(c.dc.as_ref().unwrap_or(&first_dc)));
            self.actor_ids.insert(c.id.clone(), Addr::Client(self.clients.len() as ClientId));
            self.clients.push(Client {
                name: c.id.clone(),
                dc,
                clock_skew_us: (c.clock_skew_ms * 1000.0).round() as i64,
            });
        }
        Ok(())
    }

    /// Clients named only in events exist in the first datacenter with no skew.
    fn client(&mut self, name: &str, path: &str) -> Result<ClientId, ScenarioError> {
        if let Some(i) = self.client_id(name) {
            return Ok(i);
        }
        check_name(path, name)?;
        if self.node(name).is_some() {
            return err(path, format!("`{name}` is a node, not a client"));
        }
        if self.clients.len() >= MAX_CLIENTS {
            return err(path, format!("more than {MAX_CLIENTS} clients"));
        }
        self.actor_ids.insert(name.to_string(), Addr::Client(self.clients.len() as ClientId));
        self.clients.push(Client { name: name.to_string(), dc: 0, clock_skew_us: 0 });
        Ok((self.clients.len() - 1) as ClientId)
    }

    fn key(&mut self, name: &str, path: &str) -> Result<KeyId, ScenarioError> {
        if let Some(i) = self.key_ids.get(name) {
            return Ok(*i);
        }
        check_name(path, name)?;
        if self.keys.len() >= MAX_KEYS {
            return err(path, format!("more than {MAX_KEYS} distinct keys"));
        }
        let id = self.keys.len() as KeyId;
        self.keys.push(name.to_string());
        self.key_ids.insert(name.to_string(), id);
        Ok(id)
    }

    /// Pinned keys are named first, so their ids come in ascending order.
    fn pinned(&mut self, f: &ScenarioFile) -> Result<Vec<(KeyId, Vec<NodeId>)>, ScenarioError> {
        let mut pinned = Vec::new();
        for (k, list) in &f.keys {
            let p = format!("keys.{k}");
            let kid = self.key(k, &p)?;
            let mut ids = Vec::new();
            for (j, name) in list.iter().enumerate() {
                let id = self.node_at(name, format!("{p}[{j}]"))?;
                if ids.contains(&id) {
                    return err(&format!("{p}[{j}]"), format!("node `{name}` appears twice in the preference list"));
                }
                ids.push(id);
            }
            if (ids.len() as u32) < f.replication.n {
                let (have, n) = (ids.len(), f.replication.n);
                return err(&p, format!("the preference list names {have} node(s) but N={n} home replicas are needed"));
            }
            assert!(pinned.last().is_none_or(|(last, _)| *last < kid), "pinned keys get ascending ids");
            pinned.push((kid, ids));
        }
        Ok(pinned)
    }

    fn addr(&self, name: &str, path: String) -> Result<Addr, ScenarioError> {
        if let Some(n) = self.node(name) {
            Ok(Addr::Node(n))
        } else if let Some(c) = self.client_id(name) {
            Ok(Addr::Client(c))
        } else {
            Err(ScenarioError::new(
                path,
                format!(
                    "unknown node or client `{name}` (nodes {}; clients used in links must be listed in `clients`, and {})",
                    self.known_nodes(),
                    self.known_clients()
                ),
            ))
        }
    }

    fn links(&self, net: &NetworkSpec) -> Result<Vec<Link>, ScenarioError> {
        let mut links = Vec::new();
        for (i, l) in net.links.iter().enumerate() {
            let p = format!("network.links[{i}]");
            let from = self.addr(&l.from, format!("{p}.from"))?;
            let to = self.addr(&l.to, format!("{p}.to"))?;
            if from == to {
                let msg = format!(
                    "`{}` is at both ends: a link sets the latency between two different nodes or clients",
                    l.to
                );
                return Err(ScenarioError::new(format!("{p}.to"), msg));
            }
            check_latency(&format!("{p}.latency_ms"), &l.latency_ms)?;
            links.push(Link { from, to, latency: l.latency_ms.clone() });
            if !l.one_way {
                links.push(Link { from: to, to: from, latency: l.latency_ms.clone() });
            }
        }
        self.no_pair_twice(net, &links)?;
        Ok(links)
    }

    /// Two links for the same direction would leave one of them without effect (the first in
    /// the file would be used), so the later one is refused, naming the earlier.
    fn no_pair_twice(&self, net: &NetworkSpec, links: &[Link]) -> Result<(), ScenarioError> {
        // Which file entry each resolved link came from (a two-way entry makes two).
        let entry: Vec<usize> = net
            .links
            .iter()
            .enumerate()
            .flat_map(|(i, l)| std::iter::repeat_n(i, if l.one_way { 1 } else { 2 }))
            .collect();
        let key = |l: &Link| crate::order::pair(self.slot(l.from), self.slot(l.to));
        // (pair, file entry, resolved link), ordered by pair then entry.
        let mut by_pair: Vec<(u128, usize, usize)> =
            links.iter().zip(&entry).enumerate().map(|(j, (l, &i))| (key(l), i, j)).collect();
        crate::order::sort_by_key(&mut by_pair, |x| (x.0 << 16) | x.1 as u128);
        let twice = by_pair.windows(2).filter(|w| w[0].0 == w[1].0).map(|w| (w[1].1, w[0].1, w[1].2)).min();
        let Some((later, earlier, j)) = twice else { return Ok(()) };
        let msg = format!(
            "messages from `{}` to `{}` already have a latency from network.links[{earlier}] (a link without `one_way` covers both directions); give each direction once",
            self.name_of(links[j].from),
            self.name_of(links[j].to)
        );
        Err(ScenarioError::new(format!("network.links[{later}]"), msg))
    }

    fn name_of(&self, a: Addr) -> &str {
        match a {
            Addr::Node(n) => &self.nodes[n as usize].name,
            Addr::Client(c) => &self.clients[c as usize].name,
        }
    }

    /// A node's or client's place among all actors (nodes first), for ordering pairs.
    fn slot(&self, a: Addr) -> u64 {
        match a {
            Addr::Node(n) => u64::from(n),
            Addr::Client(c) => (self.nodes.len() + c as usize) as u64,
        }
    }

    fn dc_nodes(&self, dc: &str, path: String) -> Result<Vec<NodeId>, ScenarioError> {
        let Some(d) = self.dcs.iter().position(|x| x == dc) else {
            return Err(ScenarioError::new(
                path,
                format!("unknown datacenter `{dc}` (known: {})", self.dcs.join(", ")),
            ));
        };
        Ok((0..self.nodes.len() as NodeId).filter(|n| self.nodes[*n as usize].dc == d as DcId).collect())
    }
}

/// The events resolved, with the values their puts write and the operation count.
struct Resolved {
    events: Vec<TimedEvent>,
    values: Vec<String>,
    op_count: u32,
    last_at_us: u64,
    /// The latest each operation can start, by op: its event's time, or for an `after` event,
    /// the latest its operation can end (start + timeout) plus the delay. Bounds the default end.
    latest_start_us: Vec<u64>,
}

fn events(names: &mut Names, f: &ScenarioFile) -> Result<Resolved, ScenarioError> {
    if f.events.len() > MAX_EVENTS {
        let (n, cap) = (crate::num::grouped(f.events.len() as u64), crate::num::grouped(MAX_EVENTS as u64));
        return err("events", format!("{n} events; the limit is {cap}"));
    }
    let mut out = Resolved {
        events: Vec::with_capacity(f.events.len()),
        values: vec![],
        op_count: 0,
        last_at_us: 0,
        latest_start_us: vec![],
    };
    let timeout_us = ms_to_us(f.replication.timeout_ms);
    for (i, e) in f.events.iter().enumerate() {
        let p = format!("events[{i}]");
        let at_us = check_time(&format!("{p}.at_ms"), e.at_ms)?;
        let after = e.after.map(|a| after(&out, &p, a)).transpose()?;
        let latest_us = match after {
            Some((op, delay_us)) => at_us.max(out.latest_start_us[op as usize] + timeout_us + delay_us),
            None => at_us,
        };
        out.last_at_us = out.last_at_us.max(latest_us);
        let ops_before = out.op_count;
        let event = event(names, &mut out, &p, &e.action)?;
        if out.op_count > ops_before {
            out.latest_start_us.push(latest_us);
        }
        out.events.push(TimedEvent { at_us, event, after, decl: e.action.clone() });
    }
    partitions(names, &mut out.events)?;
    Ok(out)
}

/// An event's `after`: an operation declared earlier in the file (so no event waits for itself or
/// for a later one, and there is no cycle), and a delay.
fn after(out: &Resolved, p: &str, a: After) -> Result<(u32, u64), ScenarioError> {
    if a.op >= out.op_count {
        let why = match out.op_count {
            0 => "no put or get comes before this event".to_string(),
            n => format!("only operations 0 to {} come before this event", n - 1),
        };
        return err(&format!("{p}.after.op"), format!("operation {} is not an earlier put or get: {why}", a.op));
    }
    Ok((a.op, check_time(&format!("{p}.after.ms"), a.ms)?))
}

fn event(names: &mut Names, out: &mut Resolved, p: &str, action: &Action) -> Result<Event, ScenarioError> {
    Ok(match action {
        Action::Put { client, key, value, blind } => {
            let c = names.client(client, &format!("{p}.client"))?;
            let k = names.key(key, &format!("{p}.put"))?;
            if value.len() > MAX_VALUE_LEN {
                return err(&format!("{p}.value"), format!("values are limited to {MAX_VALUE_LEN} bytes"));
            }
            out.values.push(value.clone());
            out.op_count += 1;
            let value = (out.values.len() - 1) as ValueId;
            Event::Put { client: c, key: k, value, blind: *blind, op: out.op_count - 1 }
        }
        Action::Get { client, key } => {
            let c = names.client(client, &format!("{p}.client"))?;
            let k = names.key(key, &format!("{p}.get"))?;
            out.op_count += 1;
            Event::Get { client: c, key: k, op: out.op_count - 1 }
        }
        Action::Crash(n) => Event::Crash(vec![names.node_at(n, format!("{p}.crash"))?]),
        Action::Recover(n) => Event::Recover(vec![names.node_at(n, format!("{p}.recover"))?]),
        Action::CrashDc(d) => Event::Crash(names.dc_nodes(d, format!("{p}.crash_dc"))?),
        Action::RecoverDc(d) => Event::Recover(names.dc_nodes(d, format!("{p}.recover_dc"))?),
        Action::Partition(groups) => {
            // Resolved after all clients are known (`partitions`); keep the names for now.
            if groups.is_empty() || groups.len() > 64 {
                return err(&format!("{p}.partition"), "needs 1 to 64 groups".into());
            }
            Event::Partition(vec![])
        }
        Action::Heal => Event::Heal,
    })
}

/// Partitions name clients too, so they are resolved once every client exists. Actors not named
/// in any group form one more group together.
fn partitions(names: &Names, events: &mut [TimedEvent]) -> Result<(), ScenarioError> {
    let actors = names.nodes.len() + names.clients.len();
    for (i, te) in events.iter_mut().enumerate() {
        let Action::Partition(groups) = &te.decl else { continue };
        let p = format!("events[{i}].partition");
        let mut g = vec![groups.len() as u16; actors];
        let mut seen = vec![false; actors];
        for (gi, group) in groups.iter().enumerate() {
            if group.is_empty() {
                let msg = "this group is empty: a group lists the nodes and clients that can reach each other (those in no group form one together)";
                return err(&format!("{p}[{gi}]"), msg.into());
            }
            for (j, name) in group.iter().enumerate() {
                let slot = if let Some(n) = names.node(name) {
                    n as usize
                } else if let Some(c) = names.client_id(name) {
                    names.nodes.len() + c as usize
                } else {
                    let known = format!(
                        "nodes {}; clients known: {}",
                        names.known_nodes(),
                        known(names.clients.iter().map(|c| c.name.as_str()))
                    );
                    return err(&format!("{p}[{gi}][{j}]"), format!("unknown node or client `{name}` ({known})"));
                };
                if seen[slot] {
                    return err(&format!("{p}[{gi}][{j}]"), format!("`{name}` is in two groups"));
                }
                seen[slot] = true;
                g[slot] = gi as u16;
            }
        }
        te.event = Event::Partition(g);
    }
    Ok(())
}

fn check_replication(r: &Replication, nodes: u32) -> Result<(), ScenarioError> {
    if r.n == 0 {
        return err("replication.n", "N must be at least 1".into());
    }
    if r.n > nodes {
        return err("replication.n", format!("N={} but the cluster has only {nodes} node(s)", r.n));
    }
    if r.w == 0 || r.w > r.n {
        let why = if r.w == 0 {
            "a write waits for at least one acknowledgement"
        } else {
            "a write cannot wait for more acknowledgements than there are replicas"
        };
        return err("replication.w", format!("W={} must be between 1 and N={}: {why}", r.w, r.n));
    }
    if r.r == 0 || r.r > r.n {
        let why = if r.r == 0 {
            "a read waits for at least one reply"
        } else {
            "a read cannot wait for more replies than there are replicas"
        };
        return err("replication.r", format!("R={} must be between 1 and N={}: {why}", r.r, r.n));
    }
    for (name, v) in [("timeout_ms", r.timeout_ms), ("detect_ms", r.detect_ms), ("handoff_ms", r.handoff_ms)] {
        check_time(&format!("replication.{name}"), v)?;
    }
    for (name, v) in [("timeout_ms", r.timeout_ms), ("handoff_ms", r.handoff_ms)] {
        if v < 1.0 {
            return err(&format!("replication.{name}"), format!("must be at least 1 ms, got {}", crate::num::num(v)));
        }
    }
    if let Some(ae) = r.anti_entropy_ms {
        check_time("replication.anti_entropy_ms", ae)?;
        if ae < 1.0 {
            let got = crate::num::num(ae);
            return err(
                "replication.anti_entropy_ms",
                format!("the period must be at least 1 ms (or null for off), got {got}"),
            );
        }
    }
    if r.merkle_depth == 0 || r.merkle_depth > MAX_MERKLE_DEPTH {
        return err("replication.merkle_depth", format!("must be 1 to {MAX_MERKLE_DEPTH}, got {}", r.merkle_depth));
    }
    if r.vnodes == 0 || r.vnodes > MAX_VNODES {
        return err("replication.vnodes", format!("must be 1 to {MAX_VNODES}, got {}", r.vnodes));
    }
    Ok(())
}

fn check_network(net: &NetworkSpec) -> Result<(), ScenarioError> {
    check_latency("network.latency_ms", &net.latency_ms)?;
    for (i, (kind, l)) in net.latency_by_kind_ms.iter().enumerate() {
        let p = format!("network.latency_by_kind_ms.{kind}");
        if !MESSAGE_KINDS.contains(&kind.as_str()) {
            return err(&p, format!("unknown message kind `{kind}`, expected one of {}", MESSAGE_KINDS.join(", ")));
        }
        if net.latency_by_kind_ms[..i].iter().any(|(k, _)| k == kind) {
            return err(&p, format!("message kind `{kind}` is given twice"));
        }
        check_latency(&p, l)?;
    }
    let max = crate::latency::MAX_LATENCY_MS;
    if !net.between_dcs_ms.is_finite() || net.between_dcs_ms < 0.0 || net.between_dcs_ms > max {
        let (max, got) = (crate::num::num(max), crate::num::num(net.between_dcs_ms));
        return err("network.between_dcs_ms", format!("must be 0 to {max} ms, got {got}"));
    }
    if !(0.0..=1.0).contains(&net.loss) {
        return err("network.loss", format!("is a probability from 0 to 1, got {}", crate::num::num(net.loss)));
    }
    Ok(())
}

fn check_steps(steps: &[StepDecl]) -> Result<(), ScenarioError> {
    for (i, s) in steps.iter().enumerate() {
        let p = format!("steps[{i}]");
        check_time(&format!("{p}.at_ms"), s.at_ms)?;
        let texts = [Some(&s.caption), s.predict.as_ref(), s.reveal.as_ref()];
        if texts.iter().flatten().any(|t| t.len() > MAX_TEXT_LEN) || s.choices.iter().any(|c| c.len() > MAX_TEXT_LEN) {
            return err(&p, format!("captions and questions are limited to {MAX_TEXT_LEN} bytes"));
        }
        if s.choices.len() > super::MAX_STEP_CHOICES {
            return err(&format!("{p}.choices"), format!("at most {} choices", super::MAX_STEP_CHOICES));
        }
        if let Some(a) = s.answer.filter(|a| *a >= s.choices.len()) {
            let n = s.choices.len();
            return err(
                &format!("{p}.answer"),
                format!("answer {a} but there {} (counted from 0)", count_words(n, "choice")),
            );
        }
        if s.describes.len() > 16 {
            return err(&format!("{p}.describes"), "at most 16 happenings".into());
        }
        let named = s.when.iter().map(|h| (format!("{p}.when"), h));
        let named = named.chain(s.describes.iter().enumerate().map(|(j, h)| (format!("{p}.describes[{j}]"), h)));
        for (hp, h) in named {
            check_happening(&hp, h)?;
        }
    }
    Ok(())
}

/// A happening's time shift is bounded. What it names (an operation, an event, a node) may be
/// missing from this run — an edit dropped it — and then it never happens and its step is not
/// shown: a student's edit never makes a lesson invalid. `step_problems` tells a lesson's author.
fn check_happening(p: &str, h: &Happening) -> Result<(), ScenarioError> {
    if !(-MAX_TIME_MS..=MAX_TIME_MS).contains(&h.ms) {
        return err(&format!("{p}.ms"), format!("must be within ±{} ms", crate::num::num(MAX_TIME_MS)));
    }
    Ok(())
}

impl Scenario {
    /// Checks a file and resolves its names. Every error names the field; the checks run in the
    /// file's order (nodes, clients, replication, network, keys, links, events, steps).
    pub fn from_file(f: &ScenarioFile) -> Result<Scenario, ScenarioError> {
        if f.title.len() > MAX_TEXT_LEN || f.description.len() > MAX_TEXT_LEN {
            return err("title", format!("title and description are limited to {MAX_TEXT_LEN} bytes"));
        }
        let mut names = Names::default();
        names.nodes(f)?;
        names.declared_clients(f)?;
        let r = &f.replication;
        check_replication(r, names.nodes.len() as u32)?;
        let net = &f.network;
        check_network(net)?;
        let pinned = names.pinned(f)?;
        let links = names.links(net)?;
        let ev = events(&mut names, f)?;
        check_steps(&f.steps)?;
        // Default end: well after the last event, so that every request finishes or times out
        // and a hint holder gets at least one chance to hand off.
        let run_until_us = match f.run_until_ms {
            Some(ms) => check_time("run_until_ms", ms)?,
            None => (ev.last_at_us + ms_to_us(super::edit::settle_ms(r))).min(ms_to_us(MAX_TIME_MS)),
        };
        let sc = Scenario {
            title: f.title.clone(),
            description: f.description.clone(),
            seed: f.seed,
            dcs: names.dcs,
            nodes: names.nodes,
            clients: names.clients,
            keys: names.keys,
            pinned,
            values: ev.values,
            repl: r.clone(),
            latency: net.latency_ms.clone(),
            kind_latency: MESSAGE_KINDS
                .iter()
                .map(|k| net.latency_by_kind_ms.iter().find(|(name, _)| name == k).map(|(_, l)| l.clone()))
                .collect(),
            between_dcs_us: ms_to_us(net.between_dcs_ms),
            loss: net.loss,
            links,
            events: ev.events,
            op_count: ev.op_count,
            run_until_us,
            steps: f.steps.clone(),
        };
        check_work(&sc)?;
        check_fanout(&sc)?;
        Ok(sc)
    }

    pub fn actor_count(&self) -> usize {
        self.nodes.len() + self.clients.len()
    }

    /// Flat index of an actor (nodes first), as used in partition groups.
    pub fn slot(&self, a: Addr) -> usize {
        match a {
            Addr::Node(n) => n as usize,
            Addr::Client(c) => self.nodes.len() + c as usize,
        }
    }

    pub fn name(&self, a: Addr) -> &str {
        match a {
            Addr::Node(n) => &self.nodes[n as usize].name,
            Addr::Client(c) => &self.clients[c as usize].name,
        }
    }

    /// The node or client of that name.
    pub fn addr_of(&self, name: &str) -> Option<Addr> {
        let node = self.nodes.iter().position(|n| n.name == name).map(|n| Addr::Node(n as NodeId));
        node.or_else(|| self.clients.iter().position(|c| c.name == name).map(|c| Addr::Client(c as ClientId)))
    }

    pub fn dc_of(&self, a: Addr) -> DcId {
        match a {
            Addr::Node(n) => self.nodes[n as usize].dc,
            Addr::Client(c) => self.clients[c as usize].dc,
        }
    }
}

/// Steps the run certainly takes by its end whatever happens in it, besides anti-entropy: each
/// event that waits for nothing runs, and each operation it starts sets its deadline timer.
pub(crate) fn certain_event_steps(sc: &Scenario) -> u64 {
    let timeout_us = ms_to_us(sc.repl.timeout_ms);
    let due = |t: u64| t <= sc.run_until_us;
    let mut n = 0;
    for e in sc.events.iter().filter(|e| e.after.is_none() && due(e.at_us)) {
        n += 1;
        if matches!(e.event, Event::Put { .. } | Event::Get { .. }) && due(e.at_us + timeout_us) {
            n += 1;
        }
    }
    n
}

/// Anti-entropy rounds by the run's end with period `period_us`: each node's round timer fires
/// every period from its staggered start (as `World::new` sets them), up or down, for as long
/// as the mode repairs (otherwise once).
pub(crate) fn anti_entropy_ticks(sc: &Scenario, period_us: u64) -> u64 {
    let count = sc.nodes.len() as u64;
    let mut ticks = 0u64;
    for n in 0..count {
        let first = period_us + period_us * n / count;
        if first <= sc.run_until_us {
            ticks += if sc.repl.conflicts.repairs() { (sc.run_until_us - first) / period_us + 1 } else { 1 };
        }
    }
    ticks
}

/// Refuses a scenario certain to reach the step cap: the steps counted here happen whatever
/// else does (a lower bound, so nothing that would have finished is refused).
fn check_work(sc: &Scenario) -> Result<(), ScenarioError> {
    let cap = crate::setup::MAX_STEPS;
    let Some(period_ms) = sc.repl.anti_entropy_ms else { return Ok(()) };
    let period_us = ms_to_us(period_ms).max(1);
    let (ticks, events) = (anti_entropy_ticks(sc, period_us), certain_event_steps(sc));
    if ticks + events <= cap {
        return Ok(());
    }
    // The least whole period in ms that fits: the estimate ignores the staggered starts, so it
    // can be a little off either way; walk down while one less fits, then up until it fits
    // (a few periods at most: the stagger is worth under one round per node).
    let left = cap.saturating_sub(events).max(1);
    let fits_at = |ms: u64| anti_entropy_ticks(sc, ms * 1000) + events <= cap;
    let mut fits = (sc.nodes.len() as u64 * sc.run_until_us).div_ceil(left).div_ceil(1000).max(1);
    while fits > 1 && fits_at(fits - 1) {
        fits -= 1;
    }
    while !fits_at(fits) {
        fits += 1;
    }
    let besides = if events > 0 {
        format!(" (and the events at least {} more)", crate::num::grouped(events))
    } else {
        String::new()
    };
    err(
        "replication.anti_entropy_ms",
        format!(
            "anti-entropy every {} ms on {} nodes for {} ms needs at least {} steps{besides}; the cap is {} — make the period at least {} ms, or the run shorter (run_until_ms), or use fewer nodes",
            crate::num::num(period_ms),
            sc.nodes.len(),
            crate::num::grouped(crate::ids::us_to_ms(sc.run_until_us).round() as u64),
            crate::num::grouped(ticks),
            crate::num::grouped(cap),
            crate::num::grouped(fits)
        ),
    )
}

/// Refuses more replica requests (operations × N) than the cap: each operation's report names
/// its N replicas several times over, so this bounds the report and the work on it (200,000
/// puts to 256 replicas wrote 374 MB and took 10 s).
fn check_fanout(sc: &Scenario) -> Result<(), ScenarioError> {
    let (ops, n) = (u64::from(sc.op_count), u64::from(sc.repl.n));
    let cap = super::MAX_REPLICA_REQUESTS;
    if ops * n <= cap {
        return Ok(());
    }
    err(
        "replication.n",
        format!(
            "{} operations sent to {n} replicas each make {} replica requests; the cap is {} — use at most {} replicas per key, or at most {} operations",
            crate::num::grouped(ops),
            crate::num::grouped(ops * n),
            crate::num::grouped(cap),
            crate::num::grouped(cap / ops),
            crate::num::grouped(cap / n)
        ),
    )
}

/// "is 1 choice", "are 3 choices": a count a student reads.
pub(crate) fn count_words(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("is 1 {noun}")
    } else {
        format!("are {n} {noun}s")
    }
}
