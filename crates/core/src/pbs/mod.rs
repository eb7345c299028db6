//! The staleness lab (PBS, Bailis et al., VLDB 2012): how likely a read is to see a write that
//! committed t ms before it, and how long until it almost surely does.
//!
//! A trial is one put followed, `t` ms after it commits (the W-th acknowledgement reaches the
//! client), by one get of the same key from another client; it is stale if the get returns an
//! older value. Two engines run trials from one seed:
//! - [`Engine::Wars`] draws the paper's WARS model directly (`wars.rs`): the paper's
//!   configuration only (no repair, no failures), hundreds of thousands of trials a second, and
//!   one set of trials serves every t exactly.
//! - [`Engine::Simulator`] runs the full simulator (`full.rs`), many trials per run on distinct
//!   keys, with the mechanisms the paper leaves out ([`Mechanisms`]); each t has its own trials.
//!
//! Both draw every delay with the simulator's latency sampler and PCG32, in whole microseconds.

mod full;
mod model;
mod options;
mod stats;
mod wars;

pub use full::{stale_read, MAX_STALE_SEEDS};
pub use model::{Delays, MODELS};
pub use options::OPTIONS;
pub use stats::{Level, LATENCY_LEVELS, P50, P90, P99, P999, VISIBILITY_LEVELS};

use crate::hash::hash_u64s;
use crate::ids::{ms_to_us, us_to_ms};
use crate::rng::Rng;
use serde_json::{json, Map, Value};

/// N is capped so a trial's scratch stays small (the paper's largest N is 100; Dynamo's 3).
pub const MAX_N: u32 = 64;
pub const MAX_TRIALS: u64 = 100_000_000;
pub const MAX_T_VALUES: usize = 256;
pub const MAX_K: u32 = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Wars,
    Simulator,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Wars => "wars",
            Engine::Simulator => "simulator",
        }
    }
}

/// What the paper's model leaves out; all off is the paper's configuration.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Mechanisms {
    pub read_repair: bool,
    /// Period of anti-entropy rounds.
    pub anti_entropy_ms: Option<f64>,
    /// Sloppy quorum with hinted handoff (two fallback nodes are added to the cluster).
    pub sloppy_quorum: bool,
    /// Each node crashes at this rate (a Poisson process) ...
    pub crashes_per_s: f64,
    /// ... and stays down this long.
    pub crash_ms: f64,
    /// Other clients' writes to the trial's key, per second, around each trial.
    pub writes_per_s: f64,
}

impl Mechanisms {
    pub fn any(&self) -> bool {
        *self != Mechanisms { crash_ms: self.crash_ms, ..Mechanisms::default() }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub n: u32,
    pub r: u32,
    pub w: u32,
    pub delays: Delays,
    /// Trials (the WARS engine: in all; the simulator: per t value, and per k).
    pub trials: u64,
    pub seed: u64,
    pub t_ms: Vec<f64>,
    /// k-staleness is reported for k = 1..=k_max.
    pub k_max: u32,
    pub mechanisms: Mechanisms,
    /// `None`: WARS for the paper's configuration, the simulator otherwise.
    pub engine: Option<Engine>,
}

impl Config {
    /// The paper's experiment for one model: R=W=1 of N=3, t at 0, 5 and 10 ms.
    pub fn paper(delays: Delays) -> Config {
        Config {
            n: 3,
            r: 1,
            w: 1,
            delays,
            trials: 100_000,
            seed: 1,
            t_ms: vec![0.0, 5.0, 10.0],
            k_max: 3,
            mechanisms: Mechanisms { crash_ms: 1000.0, ..Mechanisms::default() },
            engine: None,
        }
    }

    pub fn engine(&self) -> Engine {
        self.engine.unwrap_or(if self.mechanisms.any() { Engine::Simulator } else { Engine::Wars })
    }

    /// Every limit, with the option it is about.
    pub fn check(&self) -> Result<(), String> {
        if self.n == 0 || self.n > MAX_N {
            return Err(format!("n: N={} must be 1 to {MAX_N}", self.n));
        }
        if self.r == 0 || self.r > self.n || self.w == 0 || self.w > self.n {
            return Err(format!("r, w: R={} and W={} must be 1 to N={}", self.r, self.w, self.n));
        }
        if self.trials == 0 || self.trials > MAX_TRIALS {
            return Err(format!("trials: must be 1 to {MAX_TRIALS}, got {}", self.trials));
        }
        if self.t_ms.len() > MAX_T_VALUES || self.t_ms.iter().any(|t| !(0.0..=3_600_000.0).contains(t)) {
            return Err(format!("t: up to {MAX_T_VALUES} times, each 0 to 3,600,000 ms"));
        }
        if self.k_max > MAX_K {
            return Err(format!("k: k-staleness is computed for k up to {MAX_K}"));
        }
        let m = &self.mechanisms;
        let rates = [m.crashes_per_s, m.writes_per_s, m.crash_ms];
        if rates.iter().any(|x| !x.is_finite() || *x < 0.0) || m.crashes_per_s > 100.0 || m.writes_per_s > 1000.0 {
            return Err("crash and write rates must be >= 0 (at most 100 crashes and 1000 writes per s)".into());
        }
        if self.engine == Some(Engine::Wars) && m.any() {
            return Err("engine: the WARS model has no repair, failures or other writers; use the simulator".into());
        }
        if self.engine() == Engine::Simulator {
            full::probe(self)?;
        }
        Ok(())
    }
}

/// The probability that a read quorum of R misses a write quorum of W among N (chosen at
/// random, not expanding), as an exact fraction C(N−W, R) / C(N, R), raised to the k.
pub fn k_staleness_fraction(n: u32, r: u32, w: u32, k: u32) -> Option<(u128, u128)> {
    let num = binomial(n.checked_sub(w)?, r)?;
    let den = binomial(n, r)?;
    Some((num.checked_pow(k)?, den.checked_pow(k)?))
}

/// The same as a number (exact for every N, R, W this lab takes).
pub fn k_staleness(n: u32, r: u32, w: u32, k: u32) -> f64 {
    let (num, den) = k_staleness_fraction(n, r, w, 1).expect("binomials up to 64 fit");
    (0..k).fold(1.0, |p, _| p * (num as f64 / den as f64))
}

fn binomial(n: u32, k: u32) -> Option<u128> {
    if k > n {
        return Some(0);
    }
    let mut c: u128 = 1;
    for i in 0..u128::from(k.min(n - k)) {
        // Exact at every step: c · (n − i) is divisible by (i + 1).
        c = c.checked_mul(u128::from(n) - i)? / (i + 1);
    }
    Some(c)
}

/// k-staleness for one k: the closed form beside the simulated share of reads (at t = 0) that
/// miss the last k versions.
#[derive(Clone, Debug, PartialEq)]
pub struct KStale {
    pub k: u32,
    pub closed_form: f64,
    pub exact: Option<(u128, u128)>,
    pub simulated: f64,
    pub trials: u64,
}

/// What an experiment found.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub engine: Engine,
    /// (t ms, P(consistent), trials it is measured on).
    pub consistent: Vec<(f64, f64, u64)>,
    /// t at which the level is reached; `None` if not within the t values tried (simulator).
    pub visibility_ms: Vec<(Level, Option<f64>)>,
    pub read_ms: Vec<(Level, f64)>,
    pub write_ms: Vec<(Level, f64)>,
    pub k_staleness: Vec<KStale>,
    /// Trials run (those left out below included).
    pub trials: u64,
    /// Trials left out: the put did not commit, or the get got fewer than R answers.
    pub puts_failed: u64,
    pub gets_failed: u64,
}

/// Runs the experiment. Deterministic: the same config gives the same outcome everywhere.
pub fn run(cfg: &Config) -> Result<Outcome, String> {
    let mut runner = Runner::new(cfg)?;
    while !runner.step(u64::MAX) {}
    Ok(runner.finish())
}

/// The experiment in slices, for a caller that reports progress between them (the browser's
/// worker): `step` runs about `trials` more trials, `finish` gives exactly what [`run`] gives.
pub struct Runner {
    cfg: Config,
    work: Work,
    done: u64,
}

enum Work {
    Wars(Box<WarsRun>),
    Simulator(Box<full::FullRun>),
}

impl Runner {
    pub fn new(cfg: &Config) -> Result<Runner, String> {
        cfg.check()?;
        let work = match cfg.engine() {
            Engine::Wars => Work::Wars(Box::new(WarsRun::new(cfg))),
            Engine::Simulator => Work::Simulator(Box::new(full::FullRun::new(cfg))),
        };
        Ok(Runner { cfg: cfg.clone(), work, done: 0 })
    }

    /// Trials in all (the main ones and those of each k).
    pub fn total(&self) -> u64 {
        let phases = match &self.work {
            Work::Wars(_) => 1 + u64::from(self.cfg.k_max),
            Work::Simulator(_) => self.cfg.t_ms.len() as u64 + u64::from(self.cfg.k_max),
        };
        self.cfg.trials * phases
    }

    /// Trials run so far.
    pub fn done(&self) -> u64 {
        self.done
    }

    /// Runs at least one and about `trials` more trials (the simulator: whole runs of up to
    /// 2,000); true once every trial has run.
    pub fn step(&mut self, trials: u64) -> bool {
        let cfg = &self.cfg;
        let ran = match &mut self.work {
            Work::Wars(w) => w.step(cfg, trials.max(1)),
            Work::Simulator(f) => f.step(cfg, trials.max(1)),
        };
        self.done += ran;
        self.done >= self.total()
    }

    /// The outcome (the trials not yet run are run first).
    pub fn finish(mut self) -> Outcome {
        while !self.step(u64::MAX) {}
        match self.work {
            Work::Wars(w) => w.finish(&self.cfg),
            Work::Simulator(f) => f.finish(&self.cfg),
        }
    }
}

/// Seeds for independent streams (main trials, each k, each simulator batch), all from one seed.
pub(crate) fn stream(seed: u64, tag: &[u64]) -> Rng {
    let mut xs = vec![seed];
    xs.extend_from_slice(tag);
    Rng::new(hash_u64s(&xs))
}

fn percentiles_ms(mut v: Vec<u64>) -> Vec<(Level, f64)> {
    stats::sort_u64(&mut v);
    LATENCY_LEVELS.iter().map(|l| (*l, v.get(stats::rank_index(v.len(), *l)).map_or(0.0, |x| us_to_ms(*x)))).collect()
}

/// The WARS engine's state between slices: the main trials from one stream, then each k's
/// from its own.
struct WarsRun {
    rng: Rng,
    s: wars::Scratch,
    writes: Vec<u64>,
    reads: Vec<u64>,
    from: Vec<i64>,
    /// The k being run (0: the main trials), and how many of its trials missed so far.
    k: u32,
    k_done: u64,
    missed: u64,
    k_staleness: Vec<KStale>,
}

impl WarsRun {
    fn new(cfg: &Config) -> WarsRun {
        let count = cfg.trials as usize;
        WarsRun {
            rng: stream(cfg.seed, &[0]),
            s: wars::Scratch::new(cfg.n as usize),
            writes: Vec::with_capacity(count),
            reads: Vec::with_capacity(count),
            from: Vec::with_capacity(count),
            k: 0,
            k_done: 0,
            missed: 0,
            k_staleness: Vec::new(),
        }
    }

    /// Runs up to `budget` trials; returns how many ran.
    fn step(&mut self, cfg: &Config, budget: u64) -> u64 {
        let (r, w) = (cfg.r as usize, cfg.w as usize);
        let mut ran = 0;
        while ran < budget && self.k <= cfg.k_max {
            let left = cfg.trials - self.k_done;
            let now = left.min(budget - ran);
            if self.k == 0 {
                for _ in 0..now {
                    let t = wars::trial(&cfg.delays, &mut self.rng, r, w, &mut self.s);
                    self.writes.push(t.write_us);
                    self.reads.push(t.read_us);
                    self.from.push(t.fresh_from_us);
                }
            } else {
                let (d, k) = (&cfg.delays, self.k);
                let (rng, s) = (&mut self.rng, &mut self.s);
                self.missed += (0..now).filter(|_| wars::misses_last_k(d, rng, r, w, k, 0, s)).count() as u64;
            }
            ran += now;
            self.k_done += now;
            if self.k_done == cfg.trials {
                if self.k > 0 {
                    self.k_staleness.push(k_stale(cfg, self.k, self.missed, cfg.trials));
                }
                self.k += 1;
                (self.k_done, self.missed) = (0, 0);
                self.rng = stream(cfg.seed, &[1, u64::from(self.k)]);
            }
        }
        ran
    }

    fn finish(self, cfg: &Config) -> Outcome {
        let mut from = self.from;
        stats::sort_i64(&mut from);
        Outcome {
            engine: Engine::Wars,
            consistent: cfg
                .t_ms
                .iter()
                .map(|t| (*t, stats::consistent_at(&from, ms_to_us(*t) as i64), cfg.trials))
                .collect(),
            visibility_ms: VISIBILITY_LEVELS
                .iter()
                .map(|l| (*l, stats::visibility_us(&from, *l).map(us_to_ms)))
                .collect(),
            read_ms: percentiles_ms(self.reads),
            write_ms: percentiles_ms(self.writes),
            k_staleness: self.k_staleness,
            trials: cfg.trials,
            puts_failed: 0,
            gets_failed: 0,
        }
    }
}

pub(crate) fn k_stale(cfg: &Config, k: u32, missed: u64, trials: u64) -> KStale {
    KStale {
        k,
        closed_form: k_staleness(cfg.n, cfg.r, cfg.w, k),
        exact: k_staleness_fraction(cfg.n, cfg.r, cfg.w, k),
        simulated: missed as f64 / trials.max(1) as f64,
        trials,
    }
}

impl Outcome {
    /// The CLI's JSON (`trials_per_s` is added by whoever has a clock).
    pub fn to_json(&self, cfg: &Config) -> Value {
        let levels = |xs: &[(Level, f64)]| {
            let mut m = Map::new();
            xs.iter().for_each(|(l, x)| _ = m.insert(l.name.into(), json!(x)));
            Value::Object(m)
        };
        let mut vis = Map::new();
        self.visibility_ms.iter().for_each(|(l, x)| _ = vis.insert(l.name.into(), json!(x)));
        let k: Vec<Value> = self
            .k_staleness
            .iter()
            .map(|k| {
                let exact = k.exact.map(|(a, b)| format!("{a}/{b}"));
                json!({"k": k.k, "closed_form": k.closed_form, "closed_form_exact": exact, "simulated": k.simulated, "trials": k.trials})
            })
            .collect();
        let m = &cfg.mechanisms;
        json!({
            "engine": self.engine.name(),
            "model": cfg.delays.name,
            "n": cfg.n, "r": cfg.r, "w": cfg.w, "seed": cfg.seed,
            "mechanisms": {"read_repair": m.read_repair, "anti_entropy_ms": m.anti_entropy_ms,
                "sloppy_quorum": m.sloppy_quorum, "crashes_per_s": m.crashes_per_s, "crash_ms": m.crash_ms,
                "writes_per_s": m.writes_per_s},
            // A t whose trials all failed (a put or get could not complete) has no P: null, not 0.
            "consistent": self.consistent.iter().map(|(t, p, n)| json!({"t_ms": t, "p": (*n > 0).then_some(*p), "trials": n})).collect::<Vec<_>>(),
            "t_visibility_ms": Value::Object(vis),
            "latency_ms": {"read": levels(&self.read_ms), "write": levels(&self.write_ms)},
            "k_staleness": k,
            "trials": self.trials,
            "excluded": {"puts_failed": self.puts_failed, "gets_failed": self.gets_failed},
        })
    }
}
