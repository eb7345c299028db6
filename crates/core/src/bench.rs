//! A generated workload for the throughput benchmark: many nodes, many operations, a steady mix of
//! puts and gets over a key space, with a few crashes so that timeouts and repair paths run too.

use crate::latency::Latency;
/// The simulation's PCG32, for benchmarks that need reproducible random numbers (seek times).
pub use crate::rng::Rng;
use crate::scenario::{Action, ClientDecl, EventDecl, NodeDecl, Replication, ScenarioFile};

pub fn workload(nodes: usize, ops: usize, keys: usize, seed: u64) -> ScenarioFile {
    let mut rng = Rng::new(seed);
    let node_decls: Vec<NodeDecl> = (0..nodes)
        .map(|i| NodeDecl { id: format!("n{i}"), dc: Some(if i % 2 == 0 { "east" } else { "west" }.into()) })
        .collect();
    let clients: Vec<ClientDecl> = (0..16)
        .map(|i| ClientDecl {
            id: format!("c{i}"),
            dc: Some(if i % 2 == 0 { "east" } else { "west" }.into()),
            clock_skew_ms: 0.0,
        })
        .collect();
    let mut events = Vec::with_capacity(ops + 8);
    // One op every 0.5 ms on average: many requests overlap, as in a busy cluster.
    let mut t = 0.0;
    for i in 0..ops {
        t += 0.5 * rng.unit_f64() * 2.0;
        let client = format!("c{}", rng.next_u64() % 16);
        let key = format!("k{}", rng.next_u64() % keys as u64);
        let action = if rng.next_u64().is_multiple_of(2) {
            Action::Put { client, key, value: format!("v{i}"), blind: false }
        } else {
            Action::Get { client, key }
        };
        events.push(EventDecl::at((t * 1000.0_f64).round() / 1000.0, action));
        if i % (ops / 4).max(1) == ops / 8 {
            events.push(EventDecl::at(t, Action::Crash(format!("n{}", i % nodes))));
            events.push(EventDecl::at(t + 200.0, Action::Recover(format!("n{}", i % nodes))));
        }
    }
    events.sort_by(|a, b| a.at_ms.total_cmp(&b.at_ms));
    ScenarioFile {
        title: format!("Benchmark: {nodes} nodes, {ops} operations"),
        description: String::new(),
        seed,
        nodes: node_decls,
        clients,
        keys: Default::default(),
        replication: Replication { n: 3, w: 2, r: 2, read_repair: true, sloppy_quorum: true, ..Replication::default() },
        network: crate::scenario::NetworkSpec {
            latency_ms: Latency::Uniform(1.0, 5.0),
            between_dcs_ms: 20.0,
            ..Default::default()
        },
        events,
        run_until_ms: None,
        steps: vec![],
    }
}
