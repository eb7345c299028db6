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
    pub at_us: u64,
    pub event: Event,
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
    pub between_dcs_us: u64,
    pub loss: f64,
    pub links: Vec<Link>,
    pub events: Vec<TimedEvent>,
    pub op_count: u32,
    pub run_until_us: u64,
}

fn check_time(path: &str, ms: f64) -> Result<u64, ScenarioError> {
    if !ms.is_finite() || ms < 0.0 {
        return Err(ScenarioError::new(path, format!("must be a time >= 0 ms, got {}", crate::num::num(ms))));
    }
    if ms > MAX_TIME_MS {
        return Err(ScenarioError::new(
            path,
            format!("{} ms is past the {} ms (one hour) cap", crate::num::num(ms), crate::num::num(MAX_TIME_MS)),
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

impl Scenario {
    /// Checks a file and resolves its names. Every error names the field.
    pub fn from_file(f: &ScenarioFile) -> Result<Scenario, ScenarioError> {
        let err = |p: &str, m: String| Err(ScenarioError::new(p, m));
        if f.title.len() > MAX_TEXT_LEN || f.description.len() > MAX_TEXT_LEN {
            return err("title", format!("title and description are limited to {MAX_TEXT_LEN} bytes"));
        }
        // Datacenters, in order of first mention; nodes without one share "dc1".
        let mut dcs: Vec<String> = Vec::new();
        let dc_of = |name: Option<&String>, dcs: &mut Vec<String>| -> DcId {
            let name = name.cloned().unwrap_or_else(|| "dc1".to_string());
            match dcs.iter().position(|d| *d == name) {
                Some(i) => i as DcId,
                None => {
                    dcs.push(name);
                    (dcs.len() - 1) as DcId
                }
            }
        };
        if f.nodes.is_empty() {
            return err("nodes", "a cluster needs at least one node".into());
        }
        if f.nodes.len() > MAX_NODES {
            return err("nodes", format!("{} nodes; the limit is {MAX_NODES}", f.nodes.len()));
        }
        let mut nodes = Vec::with_capacity(f.nodes.len());
        for (i, n) in f.nodes.iter().enumerate() {
            check_name(&format!("nodes[{i}].id"), &n.id)?;
            if let Some(dc) = &n.dc {
                check_name(&format!("nodes[{i}].dc"), dc)?;
            }
            if nodes.iter().any(|m: &Node| m.name == n.id) {
                return err(&format!("nodes[{i}].id"), format!("node `{}` is listed twice", n.id));
            }
            nodes.push(Node { name: n.id.clone(), dc: dc_of(n.dc.as_ref(), &mut dcs) });
        }
        let node_idx = |name: &str| nodes.iter().position(|n| n.name == name).map(|i| i as NodeId);

        let mut clients: Vec<Client> = Vec::new();
        for (i, c) in f.clients.iter().enumerate() {
            let p = format!("clients[{i}]");
            check_name(&format!("{p}.id"), &c.id)?;
            if node_idx(&c.id).is_some() {
                return err(&format!("{p}.id"), format!("`{}` is already a node's name", c.id));
            }
            if clients.iter().any(|m| m.name == c.id) {
                return err(&format!("{p}.id"), format!("client `{}` is listed twice", c.id));
            }
            if !c.clock_skew_ms.is_finite() || c.clock_skew_ms.abs() > MAX_TIME_MS {
                return err(
                    &format!("{p}.clock_skew_ms"),
                    format!("must be a finite number of ms within ±{}", crate::num::num(MAX_TIME_MS)),
                );
            }
            if let Some(dc) = &c.dc {
                if !dcs.contains(dc) {
                    return err(
                        &format!("{p}.dc"),
                        format!("no node is in datacenter `{dc}` (known: {})", dcs.join(", ")),
                    );
                }
            }
            let first_dc = dcs[0].clone();
            clients.push(Client {
                name: c.id.clone(),
                dc: dc_of(Some(c.dc.as_ref().unwrap_or(&first_dc)), &mut dcs),
                clock_skew_us: (c.clock_skew_ms * 1000.0).round() as i64,
            });
        }

        let r = &f.replication;
        let nn = nodes.len() as u32;
        if r.n == 0 {
            return err("replication.n", "N must be at least 1".into());
        }
        if r.n > nn {
            return err("replication.n", format!("N={} but the cluster has only {nn} node(s)", r.n));
        }
        if r.w == 0 || r.w > r.n {
            return err("replication.w", format!("W={} must be between 1 and N={}: a write cannot wait for more acknowledgements than there are replicas", r.w, r.n));
        }
        if r.r == 0 || r.r > r.n {
            return err(
                "replication.r",
                format!(
                    "R={} must be between 1 and N={}: a read cannot wait for more replies than there are replicas",
                    r.r, r.n
                ),
            );
        }
        for (name, v) in [("timeout_ms", r.timeout_ms), ("detect_ms", r.detect_ms), ("handoff_ms", r.handoff_ms)] {
            check_time(&format!("replication.{name}"), v)?;
        }
        if r.timeout_ms < 1.0 || r.handoff_ms < 1.0 {
            return err("replication.timeout_ms", "timeout_ms and handoff_ms must be at least 1 ms".into());
        }
        if let Some(ae) = r.anti_entropy_ms {
            check_time("replication.anti_entropy_ms", ae)?;
            if ae < 1.0 {
                return err(
                    "replication.anti_entropy_ms",
                    format!("the period must be at least 1 ms (or null for off), got {}", crate::num::num(ae)),
                );
            }
        }
        if r.merkle_depth == 0 || r.merkle_depth > MAX_MERKLE_DEPTH {
            return err("replication.merkle_depth", format!("must be 1 to {MAX_MERKLE_DEPTH}, got {}", r.merkle_depth));
        }
        if r.vnodes == 0 || r.vnodes > MAX_VNODES {
            return err("replication.vnodes", format!("must be 1 to {MAX_VNODES}, got {}", r.vnodes));
        }

        let net = &f.network;
        check_latency("network.latency_ms", &net.latency_ms)?;
        if !net.between_dcs_ms.is_finite()
            || net.between_dcs_ms < 0.0
            || net.between_dcs_ms > crate::latency::MAX_LATENCY_MS
        {
            return err(
                "network.between_dcs_ms",
                format!(
                    "must be 0 to {} ms, got {}",
                    crate::num::num(crate::latency::MAX_LATENCY_MS),
                    crate::num::num(net.between_dcs_ms)
                ),
            );
        }
        if !(0.0..=1.0).contains(&net.loss) {
            return err("network.loss", format!("is a probability from 0 to 1, got {}", crate::num::num(net.loss)));
        }

        // Clients named only in events exist in the first datacenter with no skew.
        let client_idx = |name: &str, path: &str, clients: &mut Vec<Client>| -> Result<ClientId, ScenarioError> {
            if let Some(i) = clients.iter().position(|c| c.name == name) {
                return Ok(i as ClientId);
            }
            check_name(path, name)?;
            if node_idx(name).is_some() {
                return Err(ScenarioError::new(path, format!("`{name}` is a node, not a client")));
            }
            if clients.len() >= MAX_CLIENTS {
                return Err(ScenarioError::new(path, format!("more than {MAX_CLIENTS} clients")));
            }
            clients.push(Client { name: name.to_string(), dc: 0, clock_skew_us: 0 });
            Ok((clients.len() - 1) as ClientId)
        };

        let mut keys: Vec<String> = Vec::new();
        let key_idx = |name: &str, path: &str, keys: &mut Vec<String>| -> Result<KeyId, ScenarioError> {
            if let Some(i) = keys.iter().position(|k| k == name) {
                return Ok(i as KeyId);
            }
            check_name(path, name)?;
            if keys.len() >= MAX_KEYS {
                return Err(ScenarioError::new(path, format!("more than {MAX_KEYS} distinct keys")));
            }
            keys.push(name.to_string());
            Ok((keys.len() - 1) as KeyId)
        };

        // Pinned keys are named first, so their ids come in ascending order.
        let mut pinned = Vec::new();
        for (k, list) in &f.keys {
            let p = format!("keys.{k}");
            let kid = key_idx(k, &p, &mut keys)?;
            let mut ids = Vec::new();
            for (j, name) in list.iter().enumerate() {
                let id = node_idx(name)
                    .ok_or_else(|| ScenarioError::new(format!("{p}[{j}]"), format!("unknown node `{name}`")))?;
                if ids.contains(&id) {
                    return err(&format!("{p}[{j}]"), format!("node `{name}` appears twice in the preference list"));
                }
                ids.push(id);
            }
            if (ids.len() as u32) < r.n {
                return err(
                    &p,
                    format!("the preference list names {} node(s) but N={} home replicas are needed", ids.len(), r.n),
                );
            }
            assert!(pinned.last().is_none_or(|(last, _)| *last < kid), "pinned keys get ascending ids");
            pinned.push((kid, ids));
        }

        let mut links = Vec::new();
        for (i, l) in net.links.iter().enumerate() {
            let p = format!("network.links[{i}]");
            let addr = |name: &str, field: &str, clients: &Vec<Client>| -> Result<Addr, ScenarioError> {
                if let Some(n) = node_idx(name) {
                    Ok(Addr::Node(n))
                } else if let Some(c) = clients.iter().position(|c| c.name == name) {
                    Ok(Addr::Client(c as ClientId))
                } else {
                    Err(ScenarioError::new(
                        format!("{p}.{field}"),
                        format!("unknown node or client `{name}` (clients used in links must be listed in `clients`)"),
                    ))
                }
            };
            let from = addr(&l.from, "from", &clients)?;
            let to = addr(&l.to, "to", &clients)?;
            check_latency(&format!("{p}.latency_ms"), &l.latency_ms)?;
            links.push(Link { from, to, latency: l.latency_ms.clone() });
            if !l.one_way {
                links.push(Link { from: to, to: from, latency: l.latency_ms.clone() });
            }
        }

        if f.events.len() > MAX_EVENTS {
            return err("events", format!("{} events; the limit is {MAX_EVENTS}", f.events.len()));
        }
        let mut events = Vec::with_capacity(f.events.len());
        let mut values = Vec::new();
        let mut op = 0u32;
        let mut last_at = 0u64;
        for (i, e) in f.events.iter().enumerate() {
            let p = format!("events[{i}]");
            let at_us = check_time(&format!("{p}.at_ms"), e.at_ms)?;
            last_at = last_at.max(at_us);
            let dc_nodes = |dc: &str, field: &str| -> Result<Vec<NodeId>, ScenarioError> {
                let d = dcs.iter().position(|x| x == dc).ok_or_else(|| {
                    ScenarioError::new(
                        format!("{p}.{field}"),
                        format!("unknown datacenter `{dc}` (known: {})", dcs.join(", ")),
                    )
                })?;
                Ok((0..nn).filter(|n| nodes[*n as usize].dc == d as DcId).collect())
            };
            let node = |name: &str, field: &str| -> Result<NodeId, ScenarioError> {
                node_idx(name)
                    .ok_or_else(|| ScenarioError::new(format!("{p}.{field}"), format!("unknown node `{name}`")))
            };
            let event = match &e.action {
                Action::Put { client, key, value, blind } => {
                    let c = client_idx(client, &format!("{p}.client"), &mut clients)?;
                    let k = key_idx(key, &format!("{p}.put"), &mut keys)?;
                    if value.len() > MAX_VALUE_LEN {
                        return err(&format!("{p}.value"), format!("values are limited to {MAX_VALUE_LEN} bytes"));
                    }
                    values.push(value.clone());
                    op += 1;
                    Event::Put { client: c, key: k, value: (values.len() - 1) as ValueId, blind: *blind, op: op - 1 }
                }
                Action::Get { client, key } => {
                    let c = client_idx(client, &format!("{p}.client"), &mut clients)?;
                    let k = key_idx(key, &format!("{p}.get"), &mut keys)?;
                    op += 1;
                    Event::Get { client: c, key: k, op: op - 1 }
                }
                Action::Crash(n) => Event::Crash(vec![node(n, "crash")?]),
                Action::Recover(n) => Event::Recover(vec![node(n, "recover")?]),
                Action::CrashDc(d) => Event::Crash(dc_nodes(d, "crash_dc")?),
                Action::RecoverDc(d) => Event::Recover(dc_nodes(d, "recover_dc")?),
                Action::Partition(groups) => {
                    // Resolved after all clients are known (below); keep the names for now.
                    if groups.is_empty() || groups.len() > 64 {
                        return err(&format!("{p}.partition"), "needs 1 to 64 groups".into());
                    }
                    Event::Partition(vec![])
                }
                Action::Heal => Event::Heal,
            };
            events.push(TimedEvent { at_us, event, decl: e.action.clone() });
        }
        // Partitions name clients too, so resolve them once every client exists. Actors not named
        // in any group form one more group together.
        let actors = nodes.len() + clients.len();
        for (i, te) in events.iter_mut().enumerate() {
            if let Action::Partition(groups) = &te.decl {
                let p = format!("events[{i}].partition");
                let unassigned = groups.len() as u16;
                let mut g = vec![unassigned; actors];
                let mut seen = vec![false; actors];
                for (gi, group) in groups.iter().enumerate() {
                    for (j, name) in group.iter().enumerate() {
                        let slot = if let Some(n) = node_idx(name) {
                            n as usize
                        } else if let Some(c) = clients.iter().position(|c| c.name == *name) {
                            nodes.len() + c
                        } else {
                            return err(&format!("{p}[{gi}][{j}]"), format!("unknown node or client `{name}`"));
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
        }

        for (i, s) in f.steps.iter().enumerate() {
            let p = format!("steps[{i}]");
            check_time(&format!("{p}.at_ms"), s.at_ms)?;
            let texts = [Some(&s.caption), s.predict.as_ref(), s.reveal.as_ref()];
            if texts.iter().flatten().any(|t| t.len() > MAX_TEXT_LEN)
                || s.choices.iter().any(|c| c.len() > MAX_TEXT_LEN)
            {
                return err(&p, format!("captions and questions are limited to {MAX_TEXT_LEN} bytes"));
            }
            if s.choices.len() > 8 {
                return err(&format!("{p}.choices"), "at most 8 choices".into());
            }
            if let Some(a) = s.answer {
                if a >= s.choices.len() {
                    return err(
                        &format!("{p}.answer"),
                        format!("answer {a} but there are {} choices (counted from 0)", s.choices.len()),
                    );
                }
            }
        }

        // Default end: well after the last event, so that every request finishes or times out
        // and a hint holder gets at least one chance to hand off.
        let run_until_us = match f.run_until_ms {
            Some(ms) => check_time("run_until_ms", ms)?,
            None => {
                let tail = 2.0 * r.timeout_ms + r.detect_ms + if r.hinted_handoff { r.handoff_ms } else { 0.0 };
                (last_at + ms_to_us(tail)).min(ms_to_us(MAX_TIME_MS))
            }
        };

        Ok(Scenario {
            title: f.title.clone(),
            description: f.description.clone(),
            seed: f.seed,
            dcs,
            nodes,
            clients,
            keys,
            pinned,
            values,
            repl: r.clone(),
            latency: net.latency_ms.clone(),
            between_dcs_us: ms_to_us(net.between_dcs_ms),
            loss: net.loss,
            links,
            events,
            op_count: op,
            run_until_us,
        })
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

    pub fn dc_of(&self, a: Addr) -> DcId {
        match a {
            Addr::Node(n) => self.nodes[n as usize].dc,
            Addr::Client(c) => self.clients[c as usize].dc,
        }
    }
}
