//! The full path: trials run by the simulator itself, many per run on distinct keys, so read
//! repair, anti-entropy, sloppy quorum with hinted handoff, crashes and other writers all act as
//! they do in any scenario. Each trial is `k` puts of its key, each starting when the previous
//! completes, and a get from another client `t` ms after the last completes (`after` events).

use super::{k_stale, stats, stream, Config, Engine, Outcome, LATENCY_LEVELS, VISIBILITY_LEVELS};
use crate::client::{OpKind, Status};
use crate::ids::{ms_to_us, us_to_ms};
use crate::latency::Latency;
use crate::rng::Rng;
use crate::run::Sim;
use crate::scenario::{
    Action, After, ClientDecl, EventDecl, NetworkSpec, NodeDecl, Replication, Scenario, ScenarioFile,
};
use crate::trace::Level;

/// Events per simulator run, well under the scenario cap.
const EVENTS_PER_RUN: usize = 60_000;
const MAX_TRIALS_PER_RUN: usize = 2_000;
/// Trials start this far apart within a run (they overlap in time, not in keys).
const GAP_MS: f64 = 2.0;
/// Other clients' writes are drawn this far either side of a trial.
const BACKGROUND_MS: f64 = 1_000.0;
/// No delay is clipped below 60 s, so nothing times out for being slow: only for a fault.
const TIMEOUT_MS: f64 = 130_000.0;

/// A trial as laid out in a run: its puts and its get, by op index.
struct Laid {
    puts: Vec<u32>,
    get: u32,
}

/// What the runs measured, summed.
#[derive(Default)]
struct Tally {
    fresh: u64,
    counted: u64,
    puts_failed: u64,
    gets_failed: u64,
    writes_us: Vec<u64>,
    reads_us: Vec<u64>,
}

/// The simulator engine's state between slices: one phase per t value, then one per k, each
/// run in batches of whole simulator runs.
pub(crate) struct FullRun {
    /// The phase being run: t values first (index into `t_ms`), then k = 1..=k_max.
    phase: usize,
    batch: u64,
    done: u64,
    tally: Tally,
    all: Tally,
    consistent: Vec<(f64, f64, u64)>,
    k_staleness: Vec<super::KStale>,
}

impl FullRun {
    pub(crate) fn new(_cfg: &Config) -> FullRun {
        FullRun {
            phase: 0,
            batch: 0,
            done: 0,
            tally: Tally::default(),
            all: Tally::default(),
            consistent: Vec::new(),
            k_staleness: Vec::new(),
        }
    }

    /// (k, t, stream tag) of a phase.
    fn phase(cfg: &Config, phase: usize) -> Option<(u32, f64, [u64; 2])> {
        let ts = cfg.t_ms.len();
        if phase < ts {
            return Some((1, cfg.t_ms[phase], [2, phase as u64]));
        }
        let k = (phase - ts + 1) as u32;
        (k <= cfg.k_max).then_some((k, 0.0, [3, u64::from(k)]))
    }

    /// Runs whole batches until about `budget` trials ran; returns how many.
    pub(crate) fn step(&mut self, cfg: &Config, budget: u64) -> u64 {
        let mut ran = 0;
        while ran < budget {
            let Some((k, t_ms, tag)) = FullRun::phase(cfg, self.phase) else { break };
            let count = batch(cfg, k, t_ms, &tag, self.batch, cfg.trials - self.done, &mut self.tally);
            (ran, self.done, self.batch) = (ran + count, self.done + count, self.batch + 1);
            if self.done < cfg.trials {
                continue;
            }
            let tally = std::mem::take(&mut self.tally);
            if self.phase < cfg.t_ms.len() {
                self.consistent.push((t_ms, tally.fresh as f64 / tally.counted.max(1) as f64, tally.counted));
                self.all.puts_failed += tally.puts_failed;
                self.all.gets_failed += tally.gets_failed;
                self.all.writes_us.extend(tally.writes_us);
                self.all.reads_us.extend(tally.reads_us);
            } else {
                self.k_staleness.push(k_stale(cfg, k, tally.counted - tally.fresh, tally.counted));
            }
            (self.phase, self.batch, self.done) = (self.phase + 1, 0, 0);
        }
        ran
    }

    pub(crate) fn finish(self, cfg: &Config) -> Outcome {
        let consistent = self.consistent;
        // Only the t values tried can be named: the least with at least the level consistent.
        let visibility_ms = VISIBILITY_LEVELS
            .iter()
            .map(|l| {
                let reached = |p: f64| p * l.den as f64 >= l.num as f64;
                (*l, consistent.iter().find(|(_, p, _)| reached(*p)).map(|(t, _, _)| *t))
            })
            .collect();
        Outcome {
            engine: Engine::Simulator,
            consistent,
            visibility_ms,
            read_ms: percentiles(self.all.reads_us),
            write_ms: percentiles(self.all.writes_us),
            k_staleness: self.k_staleness,
            trials: cfg.trials * cfg.t_ms.len() as u64,
            puts_failed: self.all.puts_failed,
            gets_failed: self.all.gets_failed,
        }
    }
}

fn percentiles(mut v: Vec<u64>) -> Vec<(stats::Level, f64)> {
    stats::sort_u64(&mut v);
    LATENCY_LEVELS.iter().map(|l| (*l, v.get(stats::rank_index(v.len(), *l)).map_or(0.0, |x| us_to_ms(*x)))).collect()
}

/// One simulator run of up to `left` trials of `k` puts and a get `t_ms` after (as many as the
/// caps allow), batch `batch` of its phase; returns how many trials it held.
fn batch(cfg: &Config, k: u32, t_ms: f64, tag: &[u64], batch: u64, left: u64, tally: &mut Tally) -> u64 {
    let count = left.min(per_run(cfg, k, t_ms) as u64) as usize;
    let mut seq = tag.to_vec();
    seq.push(batch);
    let mut rng = stream(cfg.seed, &seq);
    let (file, laid) = layout(cfg, &mut rng, count, k, t_ms);
    // `Config::check` ran `probe` on the longest and fullest runs, so every batch is valid.
    let sc = Scenario::from_file(&file).expect("probe accepted the runs");
    let mut sim = Sim::new(sc, Level::Off);
    run_until_read(&mut sim, &laid);
    read_back(&sim, &laid, k == 1, tally);
    count as u64
}

/// Trials one run holds: as many as the events cap allows, with the background writes.
fn per_run(cfg: &Config, k: u32, t_ms: f64) -> usize {
    let background = (cfg.mechanisms.writes_per_s * (2.0 * BACKGROUND_MS + t_ms) / 1000.0).ceil() as usize;
    (EVENTS_PER_RUN / (k as usize + 1 + background)).clamp(1, MAX_TRIALS_PER_RUN)
}

/// Each simulator run is an ordinary scenario, so the scenario caps apply to it: one they refuse
/// (anti-entropy too frequent for the run's length, say) is refused here, with the scenario's
/// reason, before any trial runs. The runs for the largest t and k are the longest and fullest.
pub(super) fn probe(cfg: &Config) -> Result<(), String> {
    let t_ms = cfg.t_ms.iter().copied().fold(0.0, f64::max);
    for k in [1, cfg.k_max.max(1)] {
        let mut rng = stream(cfg.seed, &[u64::MAX, u64::from(k)]);
        let (file, _) = layout(cfg, &mut rng, per_run(cfg, k, t_ms), k, t_ms);
        Scenario::from_file(&file).map_err(|e| {
            let e = e.to_string();
            // Named by the option to change, as every other error here is.
            let option = if e.contains("anti_entropy_ms") { "anti-entropy-ms" } else { "t" };
            format!("{option}: the simulator's runs (t = {t_ms} ms) are refused: {e}")
        })?;
    }
    Ok(())
}

/// Steps the run until every trial's get has completed (or the run ends).
fn run_until_read(sim: &mut Sim, laid: &[Laid]) {
    let until = sim.setup.sc.run_until_us;
    let pending = |sim: &Sim| laid.iter().any(|l| sim.world.ops[l.get as usize].status == Status::Pending);
    'run: while pending(sim) {
        for _ in 0..4096 {
            if !sim.world.step(&sim.setup, &mut sim.rec, until) {
                break 'run;
            }
        }
    }
}

fn read_back(sim: &Sim, laid: &[Laid], latencies: bool, tally: &mut Tally) {
    let ops = &sim.world.ops;
    let span = |op: u32| {
        let o = &ops[op as usize];
        o.end_us.zip(o.start_us).map_or(0, |(e, s)| e - s)
    };
    for l in laid {
        if l.puts.iter().any(|p| ops[*p as usize].status != Status::Ok) {
            tally.puts_failed += 1;
            continue;
        }
        let get = &ops[l.get as usize];
        if get.status != Status::Ok {
            tally.gets_failed += 1;
            continue;
        }
        // Fresh: the get returned a value of one of the trial's puts, or of a put that started
        // after the first of them (another client's newer write).
        let first_start = ops[l.puts[0] as usize].start_us;
        let fresh = get.values().iter().any(|v| {
            let put = sim.setup.put_of_value[*v as usize];
            ops[put as usize].start_us >= first_start
        });
        tally.counted += 1;
        tally.fresh += u64::from(fresh);
        if latencies {
            tally.writes_us.push(span(l.puts[0]));
            tally.reads_us.push(span(l.get));
        }
    }
    debug_assert!(ops.iter().all(|o| matches!(o.kind, OpKind::Put { .. } | OpKind::Get)));
}

/// The network of the model: the four WARS delays by message kind; read repair and handoff are
/// writes (the write delay), Merkle messages and handoff acks take the ack delay.
fn network(cfg: &Config) -> NetworkSpec {
    let d = &cfg.delays;
    let by_kind: [(&str, &Latency); 6] = [
        ("get", &d.get),
        ("get_reply", &d.get_reply),
        ("handoff", &d.put),
        ("put", &d.put),
        ("put_ack", &d.put_ack),
        ("read_repair", &d.put),
    ];
    NetworkSpec {
        latency_ms: d.put_ack.clone(),
        latency_by_kind_ms: by_kind.iter().map(|(k, l)| (k.to_string(), (*l).clone())).collect(),
        between_dcs_ms: d.remote_ms,
        loss: 0.0,
        links: vec![],
    }
}

fn cluster(cfg: &Config) -> (Vec<NodeDecl>, Vec<ClientDecl>) {
    let n = cfg.n as usize;
    let wan = cfg.delays.remote_ms > 0.0;
    let fallbacks = if cfg.mechanisms.sloppy_quorum { 2 } else { 0 };
    let dc = |i: usize| wan.then(|| format!("dc{}", i % n));
    let nodes = (0..n + fallbacks).map(|i| NodeDecl { id: format!("n{i}"), dc: dc(i) }).collect();
    let sides = if wan { n } else { 1 };
    let client = |id: String, i: usize| ClientDecl { id, dc: dc(i), clock_skew_ms: 0.0 };
    let mut clients: Vec<ClientDecl> = (0..sides).map(|i| client(format!("w{i}"), i)).collect();
    clients.extend((0..sides).map(|i| client(format!("r{i}"), i)));
    clients.push(client("bg".into(), 0));
    (nodes, clients)
}

/// The scenario of `count` trials, and where each trial's operations are.
fn layout(cfg: &Config, rng: &mut Rng, count: usize, k: u32, t_ms: f64) -> (ScenarioFile, Vec<Laid>) {
    let (nodes, clients) = cluster(cfg);
    let sides = if cfg.delays.remote_ms > 0.0 { u64::from(cfg.n) } else { 1 };
    let mut events = Vec::new();
    let mut laid = Vec::with_capacity(count);
    let mut ops = 0u32;
    for j in 0..count {
        let at_ms = BACKGROUND_MS + j as f64 * GAP_MS;
        let key = format!("k{j}");
        let (writer, reader) = (rng.next_u64() % sides, rng.next_u64() % sides);
        let mut puts = Vec::new();
        for v in 0..k {
            let action = Action::Put {
                client: format!("w{writer}"),
                key: key.clone(),
                value: format!("t{j}v{v}"),
                blind: false,
            };
            let after = puts.last().map(|op| After { op: *op, ms: 0.0 });
            events.push(EventDecl { at_ms: if after.is_some() { 0.0 } else { at_ms }, action, after });
            puts.push(ops);
            ops += 1;
        }
        let get = Action::Get { client: format!("r{reader}"), key: key.clone() };
        events.push(EventDecl { at_ms: 0.0, action: get, after: Some(After { op: ops - 1, ms: t_ms }) });
        laid.push(Laid { puts, get: ops });
        ops += 1;
        ops += background(cfg, rng, &key, at_ms, t_ms, &mut events);
    }
    let end_ms = BACKGROUND_MS * 2.0 + count as f64 * GAP_MS + t_ms;
    crashes(cfg, rng, &nodes, end_ms, &mut events);
    let m = &cfg.mechanisms;
    let file = ScenarioFile {
        title: format!("PBS trials: {} N={} R={} W={}", cfg.delays.name, cfg.n, cfg.r, cfg.w),
        description: String::new(),
        seed: rng.next_u64(),
        nodes,
        clients,
        keys: vec![],
        replication: Replication {
            n: cfg.n,
            w: cfg.w,
            r: cfg.r,
            sloppy_quorum: m.sloppy_quorum,
            hinted_handoff: m.sloppy_quorum,
            read_repair: m.read_repair,
            anti_entropy_ms: m.anti_entropy_ms,
            timeout_ms: TIMEOUT_MS,
            ..Replication::default()
        },
        network: network(cfg),
        events,
        run_until_ms: None,
        steps: vec![],
    };
    (file, laid)
}

/// Exponential gaps with mean `mean_ms`, as a Poisson process draws them.
fn gap_ms(rng: &mut Rng, mean_ms: f64) -> f64 {
    -mean_ms * libm::log(1.0 - rng.unit_f64())
}

/// Other clients' blind writes to the trial's key around it; returns how many.
fn background(cfg: &Config, rng: &mut Rng, key: &str, at_ms: f64, t_ms: f64, events: &mut Vec<EventDecl>) -> u32 {
    let rate = cfg.mechanisms.writes_per_s;
    if rate <= 0.0 {
        return 0;
    }
    let (mut x, end) = (at_ms - BACKGROUND_MS, at_ms + BACKGROUND_MS + t_ms);
    let mut count = 0;
    loop {
        x += gap_ms(rng, 1000.0 / rate);
        if x > end {
            return count;
        }
        let value = format!("bg{}", events.len());
        let action = Action::Put { client: "bg".into(), key: key.to_string(), value, blind: true };
        events.push(EventDecl::at(round_us(x), action));
        count += 1;
    }
}

/// Whole microseconds, as the simulator counts.
fn round_us(ms: f64) -> f64 {
    ms_to_us(ms) as f64 / 1000.0
}

/// Each node crashes as a Poisson process and recovers `crash_ms` later.
fn crashes(cfg: &Config, rng: &mut Rng, nodes: &[NodeDecl], end_ms: f64, events: &mut Vec<EventDecl>) {
    let m = &cfg.mechanisms;
    if m.crashes_per_s <= 0.0 {
        return;
    }
    for node in nodes {
        let mut x = 0.0;
        loop {
            x += gap_ms(rng, 1000.0 / m.crashes_per_s);
            if x > end_ms {
                break;
            }
            events.push(EventDecl::at(round_us(x), Action::Crash(node.id.clone())));
            x += m.crash_ms;
            events.push(EventDecl::at(round_us(x), Action::Recover(node.id.clone())));
        }
    }
}

/// Seeds tried by [`stale_read`] at most.
pub const MAX_STALE_SEEDS: u64 = 20_000;

/// One concrete stale trial of `cfg` at `t_ms`: a scenario of one put and, `t_ms` after it
/// commits, one get of the same key from another client, in `cfg`'s network and with its
/// mechanisms, and the first seed from 1 under which the get returns an older value. `None`
/// if no seed up to `max_seeds` gives one (a strict quorum never does). At t = 0 the get
/// starts 1 µs (the simulator's tick) after the commit, so that it begins after the put ended
/// and the run's checker sees the read as stale, not as concurrent with the put.
pub fn stale_read(cfg: &Config, t_ms: f64, max_seeds: u64) -> Option<(u64, ScenarioFile)> {
    let (seed, mut file) = (1..=max_seeds.min(MAX_STALE_SEEDS)).find_map(|seed| {
        let file = one_trial(cfg, t_ms, seed);
        let sc = Scenario::from_file(&file.0).ok()?;
        let mut sim = Sim::new(sc, Level::Off);
        run_until_read(&mut sim, &file.1);
        let mut tally = Tally::default();
        read_back(&sim, &file.1, false, &mut tally);
        (tally.counted == 1 && tally.fresh == 0).then_some((seed, file.0))
    })?;
    // The run ends once the last message of the trial has arrived (at most 1 s after the get),
    // not at the timeouts.
    let mut sim = Sim::new(Scenario::from_file(&file).ok()?, Level::Full);
    sim.run();
    let get_end = sim.world.ops[1].end_us.unwrap_or(0);
    let last = sim.recording().messages.iter().map(|m| m.arrive_us).max().unwrap_or(0);
    file.run_until_ms = Some((us_to_ms(last.min(get_end + 1_000_000)) + 2.0).ceil());
    Some((seed, file))
}

/// The scenario of one trial under `seed`, and where its operations are.
fn one_trial(cfg: &Config, t_ms: f64, seed: u64) -> (ScenarioFile, Vec<Laid>) {
    let mut rng = stream(seed, &[4]);
    let (mut file, laid) = layout(cfg, &mut rng, 1, 1, t_ms.max(0.001));
    file.seed = seed;
    if cfg.mechanisms.writes_per_s <= 0.0 {
        // No other writer: no client for one.
        file.clients.retain(|c| c.id != "bg");
    }
    if !cfg.mechanisms.any() {
        // Nothing else happens around the trial: start it at once.
        file.events[0].at_ms = 10.0;
    }
    let t = crate::num::num(t_ms);
    let after = if t_ms < 0.001 { "1 µs (t = 0)".to_string() } else { format!("{t} ms") };
    file.title = format!("A stale read at t = {t} ms ({}, N={} R={} W={})", cfg.delays.name, cfg.n, cfg.r, cfg.w);
    file.description = format!(
        "One trial of the staleness lab: a put, then a get of the same key from another client {} after the put commits. Seed {seed} is the first seed from 1 under which this get returns an older value.",
        after
    );
    (file, laid)
}
