//! The staleness lab's state (kept in the reducer, as `AppState::lab`) and what is said to the
//! worker that runs its trials (`crates/pbs-worker`, its own wasm, started only when the lab
//! first runs). The page sends each (R, W) choice as one experiment in the CLI's option names and
//! reads back exactly what `quorumscope pbs` prints.

use crate::chart::percent as chart_percent;
use quorumscope_core::num::num;
use serde_json::Value;

/// The latency models the lab offers: the PBS paper's four fits, then the experiment's own
/// network (as `quorumscope pbs --scenario`).
pub const MODELS: [&str; 5] = ["LNKD-SSD", "LNKD-DISK", "YMMR", "WAN", "this experiment's network"];
pub const SCENARIO_MODEL: usize = 4;
/// Points of a curve: every t of them comes from the same trials with the WARS engine; with
/// the simulator each t costs its own trials.
pub const WARS_POINTS: usize = 41;
pub const SIMULATOR_POINTS: usize = 6;
/// Trials per choice (and per t with the simulator) the browser runs at most: the WARS engine
/// keeps three numbers per trial, 24 MB at this many (the CLI takes up to 100 million).
pub const MAX_TRIALS: u64 = 1_000_000;
/// Most (R, W) choices drawn at once (one colour each).
pub const MAX_CHOICES: usize = 5;
/// Where each model's curve has flattened out (its t axis by default), in ms.
const T_MAX_MS: [f64; 5] = [2.0, 20.0, 400.0, 200.0, 50.0];

/// What the student set, as typed where it is typed.
#[derive(Clone, Debug, PartialEq)]
pub struct Lab {
    pub model: usize,
    pub n: u32,
    /// (R, W) pairs, e.g. "1,1 2,1 2,2".
    pub choices: String,
    pub trials: u64,
    pub seed: u64,
    pub t_max_ms: f64,
    pub read_repair: bool,
    /// 0: off.
    pub anti_entropy_ms: f64,
    pub sloppy: bool,
    pub crashes_per_s: f64,
    pub crash_ms: f64,
    pub writes_per_s: f64,
    pub run: Run,
    /// One per choice, in the order run.
    pub results: Vec<Outcome>,
    /// The point picked on a curve: (choice index, t ms).
    pub pick: Option<(usize, f64)>,
    /// The experiments sent for the last run, one per choice (a stale trial is asked of the one
    /// that drew the curve, whatever the form says since).
    pub sent: Vec<String>,
    /// Curves kept from an earlier run, drawn dotted beside the new ones: turn a mechanism on,
    /// run again, and see how much it moved each curve.
    pub kept: Vec<Outcome>,
}

impl Default for Lab {
    fn default() -> Lab {
        Lab {
            model: 1,
            n: 3,
            choices: "1,1 1,2 2,1".into(),
            trials: 100_000,
            seed: 1,
            t_max_ms: T_MAX_MS[1],
            read_repair: false,
            anti_entropy_ms: 0.0,
            sloppy: false,
            crashes_per_s: 0.0,
            crash_ms: 1000.0,
            writes_per_s: 0.0,
            run: Run::Idle,
            results: vec![],
            pick: None,
            sent: vec![],
            kept: vec![],
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Run {
    Idle,
    /// Choice `choice` of `of` is running; `done` of its `total` trials.
    Running {
        choice: usize,
        of: usize,
        done: u64,
        total: u64,
    },
    /// Looking for a stale trial to open.
    Finding,
    /// The stale trial is open in the main view.
    Opened,
    Done,
    Cancelled,
    Failed(String),
}

/// A field of the form.
#[derive(Clone, Debug, PartialEq)]
pub enum Field {
    Model(usize),
    N(u32),
    Choices(String),
    Trials(u64),
    Seed(u64),
    TMax(f64),
    ReadRepair(bool),
    AntiEntropy(f64),
    Sloppy(bool),
    Crashes(f64),
    CrashMs(f64),
    Writes(f64),
}

#[derive(Clone, Debug, PartialEq)]
pub enum LabAction {
    Set(Field),
    /// The worker was started with these experiments (one per choice).
    Started(Vec<String>),
    Progress(u64, u64),
    /// One choice's outcome, as the worker sent it.
    Outcome(Box<Outcome>),
    Failed(String),
    Cancel,
    /// A point of a curve (choice, t).
    Pick(usize, f64),
    Finding,
    /// The stale trial was opened in the main view.
    Opened,
    /// Keep this run's curves to compare the next run with.
    Keep,
    ClearKept,
}

/// One choice's outcome, read from `quorumscope pbs`'s JSON.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub r: u32,
    pub w: u32,
    pub n: u32,
    pub engine: String,
    pub model: String,
    /// (t ms, P(consistent)).
    pub points: Vec<(f64, f64)>,
    /// (level, t ms) of t-visibility; `None` past the t values tried.
    pub visibility: Vec<(String, Option<f64>)>,
    pub read_ms: Vec<(String, f64)>,
    pub write_ms: Vec<(String, f64)>,
    /// The closed form for non-expanding quorums: P(stale) = C(N−W,R)/C(N,R), and as a fraction.
    pub closed_stale: f64,
    pub closed_exact: String,
    /// The simulated share of reads at t = 0 that missed the last write (k-staleness, k = 1).
    pub simulated_k1: Option<f64>,
    pub trials: u64,
    pub excluded: u64,
    pub ms: f64,
    /// The mechanisms the paper leaves out that were on, in words.
    pub mechanisms: Vec<String>,
}

fn levels(v: &Value) -> Vec<(String, f64)> {
    let mut out: Vec<(String, f64)> = v
        .as_object()
        .map(|o| o.iter().filter_map(|(k, x)| Some((k.clone(), x.as_f64()?))).collect())
        .unwrap_or_default();
    // "50" < "99" < "99.9" by their numbers.
    quorumscope_core::order::sort_by_key(&mut out, |(k, _)| crate::parse_f64(k).map_or(0, |x| (x * 1000.0) as u128));
    out
}

impl Outcome {
    /// What the curve is, for its legend: the choice and what was on besides the paper's model.
    pub fn label(&self) -> String {
        let on = if self.mechanisms.is_empty() { "the paper's model".to_string() } else { self.mechanisms.join(", ") };
        format!("R={} W={}, {on}", self.r, self.w)
    }

    /// Reads the outcome JSON (`quorumscope pbs`'s, with the worker's `ms`).
    pub fn from_json(v: &Value) -> Option<Outcome> {
        // A t with no trial left (every put or get failed) has no P (null): no point there.
        let points = v["consistent"]
            .as_array()?
            .iter()
            .filter(|p| !p["p"].is_null())
            .map(|p| Some((p["t_ms"].as_f64()?, p["p"].as_f64()?)))
            .collect::<Option<_>>()?;
        let mut visibility: Vec<(String, Option<f64>)> =
            levels(&v["t_visibility_ms"]).into_iter().map(|(k, x)| (k, Some(x))).collect();
        if let Some(o) = v["t_visibility_ms"].as_object() {
            o.iter().filter(|(_, x)| x.is_null()).for_each(|(k, _)| visibility.push((k.clone(), None)));
        }
        let k1 = &v["k_staleness"][0];
        let excluded =
            v["excluded"]["puts_failed"].as_u64().unwrap_or(0) + v["excluded"]["gets_failed"].as_u64().unwrap_or(0);
        Some(Outcome {
            r: v["r"].as_u64()? as u32,
            w: v["w"].as_u64()? as u32,
            n: v["n"].as_u64()? as u32,
            engine: v["engine"].as_str()?.to_string(),
            model: v["model"].as_str()?.to_string(),
            points,
            visibility,
            read_ms: levels(&v["latency_ms"]["read"]),
            write_ms: levels(&v["latency_ms"]["write"]),
            closed_stale: k1["closed_form"].as_f64().unwrap_or(0.0),
            closed_exact: k1["closed_form_exact"].as_str().unwrap_or("").to_string(),
            simulated_k1: k1["simulated"].as_f64(),
            trials: v["trials"].as_u64()?,
            excluded,
            ms: v["ms"].as_f64().unwrap_or(0.0),
            mechanisms: mechanisms(&v["mechanisms"]),
        })
    }

    /// The closed form's P(consistent) as an exact fraction: 1 − 1/3 = "2/3".
    pub fn closed_exact_consistent(&self) -> String {
        let mut it = self.closed_exact.split('/').map(|x| x.parse::<u128>().ok());
        match (it.next(), it.next()) {
            (Some(Some(a)), Some(Some(b))) if a <= b && b > 0 => {
                let (mut x, mut y) = (b - a, b);
                while y != 0 {
                    (x, y) = (y, x % y);
                }
                // In lowest terms: 3/3 is 1, 2/6 is 1/3.
                match ((b - a) / x, b / x) {
                    (n, 1) => n.to_string(),
                    (n, d) => format!("{n}/{d}"),
                }
            }
            _ => chart_percent(1.0 - self.closed_stale),
        }
    }

    /// t-visibility at a level ("99.9").
    pub fn visibility(&self, level: &str) -> Option<Option<f64>> {
        self.visibility.iter().find(|(l, _)| l == level).map(|(_, t)| *t)
    }
}

/// The mechanisms on in an outcome's `mechanisms`, as the form names them.
fn mechanisms(m: &Value) -> Vec<String> {
    let x = |k: &str| m[k].as_f64().unwrap_or(0.0);
    let mut out = Vec::new();
    if m["read_repair"].as_bool() == Some(true) {
        out.push("read repair".to_string());
    }
    if m["sloppy_quorum"].as_bool() == Some(true) {
        out.push("a sloppy quorum with hinted handoff".to_string());
    }
    if x("anti_entropy_ms") > 0.0 {
        out.push(format!("anti-entropy every {} ms", num(x("anti_entropy_ms"))));
    }
    if x("crashes_per_s") > 0.0 {
        out.push(format!("{} crashes per node per s of {} ms each", num(x("crashes_per_s")), num(x("crash_ms"))));
    }
    if x("writes_per_s") > 0.0 {
        out.push(format!("{} other writes to the key per s", num(x("writes_per_s"))));
    }
    out
}

/// Reads "1,1 2,1" (or "1/1; 2,1") as (R, W) pairs, each 1 to N.
pub fn parse_choices(text: &str, n: u32) -> Result<Vec<(u32, u32)>, String> {
    let mut out = Vec::new();
    for pair in text.split([' ', ';']).filter(|p| !p.is_empty()) {
        let mut it = pair.split([',', '/']).map(|x| x.trim().parse::<u32>().ok());
        let (Some(Some(r)), Some(Some(w)), None) = (it.next(), it.next(), it.next()) else {
            return Err(format!("(R, W) choices: `{pair}` is not two whole numbers like 2,1"));
        };
        if r == 0 || w == 0 || r > n || w > n {
            return Err(format!("(R, W) choices: R={r} W={w} must each be 1 to N={n}"));
        }
        if !out.contains(&(r, w)) {
            out.push((r, w));
        }
    }
    match out.len() {
        0 => Err("(R, W) choices: give at least one, like 1,1".into()),
        x if x > MAX_CHOICES => Err(format!("(R, W) choices: at most {MAX_CHOICES} at once")),
        _ => Ok(out),
    }
}

impl Lab {
    /// Whether the mechanisms the paper leaves out are all off (then the WARS engine runs).
    pub fn paper_only(&self) -> bool {
        !self.read_repair
            && self.anti_entropy_ms <= 0.0
            && !self.sloppy
            && self.crashes_per_s <= 0.0
            && self.writes_per_s <= 0.0
    }

    /// The t values of a curve, from 0 to the t axis's end.
    pub fn t_values(&self) -> Vec<f64> {
        let points = if self.paper_only() { WARS_POINTS } else { SIMULATOR_POINTS };
        let step = self.t_max_ms / (points - 1) as f64;
        // Three decimals at most, as the CLI's --t takes them here.
        (0..points).map(|i| (i as f64 * step * 1000.0).round() / 1000.0).collect()
    }

    /// One experiment's JSON text per choice, in the CLI's option names (`scenario`: the
    /// experiment's file, for its network).
    pub fn experiments(&self, scenario: &str) -> Result<Vec<String>, String> {
        let choices = parse_choices(&self.choices, self.n)?;
        Ok(choices.iter().map(|(r, w)| self.experiment(*r, *w, scenario)).collect())
    }

    fn experiment(&self, r: u32, w: u32, scenario: &str) -> String {
        let t: Vec<String> = self.t_values().iter().map(|t| num(*t)).collect();
        let model = if self.model == SCENARIO_MODEL {
            format!("\"scenario\":{}", Value::String(scenario.to_string()))
        } else {
            format!("\"model\":\"{}\"", MODELS[self.model.min(3)])
        };
        let mut s = format!(
            "{{{model},\"n\":{},\"r\":{r},\"w\":{w},\"trials\":{},\"seed\":{},\"t\":[{}],\"k\":1",
            self.n,
            self.trials,
            self.seed,
            t.join(",")
        );
        if !self.paper_only() {
            s += &format!(
                ",\"read_repair\":{},\"sloppy\":{},\"crashes_per_s\":{},\"crash_ms\":{},\"writes_per_s\":{}",
                self.read_repair,
                self.sloppy,
                num(self.crashes_per_s),
                num(self.crash_ms),
                num(self.writes_per_s)
            );
            if self.anti_entropy_ms > 0.0 {
                s += &format!(",\"anti_entropy_ms\":{}", num(self.anti_entropy_ms));
            }
        }
        s + "}"
    }

    /// The worker's request for a stale trial of the curve `choice` at `t_ms`.
    pub fn stale_request(&self, choice: usize, t_ms: f64) -> Option<String> {
        let sent = self.sent.get(choice)?;
        Some(format!("{{\"stale_read\":{{\"t_ms\":{},\"experiment\":{sent}}}}}", num(t_ms)))
    }

    pub fn reduce(&self, a: LabAction) -> Lab {
        let mut s = self.clone();
        match a {
            LabAction::Set(f) => s.set(f),
            LabAction::Started(sent) => {
                s.run = Run::Running { choice: 0, of: sent.len(), done: 0, total: 0 };
                (s.results, s.pick, s.sent) = (vec![], None, sent);
            }
            LabAction::Progress(done, total) => {
                if let Run::Running { choice, of, .. } = s.run {
                    s.run = Run::Running { choice, of, done, total };
                }
            }
            LabAction::Outcome(o) => {
                s.results.push(*o);
                s.run = match s.run {
                    Run::Running { of, .. } if s.results.len() < of => {
                        Run::Running { choice: s.results.len(), of, done: 0, total: 0 }
                    }
                    _ => Run::Done,
                };
            }
            LabAction::Failed(e) => s.run = Run::Failed(e),
            LabAction::Cancel => s.run = Run::Cancelled,
            LabAction::Pick(choice, t) => s.pick = Some((choice, t)),
            LabAction::Finding => s.run = Run::Finding,
            LabAction::Opened => s.run = Run::Opened,
            LabAction::Keep if !s.running() => s.kept = s.results.clone(),
            LabAction::Keep => {}
            LabAction::ClearKept => s.kept.clear(),
        }
        s
    }

    fn set(&mut self, f: Field) {
        match f {
            Field::Model(m) => {
                self.model = m.min(SCENARIO_MODEL);
                self.t_max_ms = T_MAX_MS[self.model];
            }
            Field::N(n) => self.n = n.clamp(1, quorumscope_core::pbs::MAX_N),
            Field::Choices(c) => self.choices = c,
            Field::Trials(t) => self.trials = t.clamp(1, MAX_TRIALS),
            Field::Seed(x) => self.seed = x,
            Field::TMax(t) => self.t_max_ms = t.clamp(0.01, 60_000.0),
            Field::ReadRepair(b) => self.read_repair = b,
            Field::AntiEntropy(x) => self.anti_entropy_ms = x.clamp(0.0, 3_600_000.0),
            Field::Sloppy(b) => self.sloppy = b,
            Field::Crashes(x) => self.crashes_per_s = x.clamp(0.0, 100.0),
            Field::CrashMs(x) => self.crash_ms = x.clamp(0.0, 3_600_000.0),
            Field::Writes(x) => self.writes_per_s = x.clamp(0.0, 1000.0),
        }
    }

    pub fn running(&self) -> bool {
        matches!(self.run, Run::Running { .. } | Run::Finding)
    }

    /// The whole run's progress, 0 to 1.
    pub fn progress(&self) -> f64 {
        match self.run {
            Run::Running { choice, of, done, total } => {
                (choice as f64 + if total > 0 { done as f64 / total as f64 } else { 0.0 }) / of.max(1) as f64
            }
            Run::Done => 1.0,
            _ => 0.0,
        }
    }
}

/// A message from the worker, read.
#[derive(Debug, PartialEq)]
pub enum FromWorker {
    Ready,
    Progress(u64, u64),
    Outcome(Box<Outcome>),
    /// The stale trial's scenario (file JSON text) and seed, or none found.
    Stale(Option<(u64, String)>),
    Failed(String),
}

pub fn read_message(text: &str) -> FromWorker {
    let Ok(v) = serde_json::from_str::<Value>(text) else {
        return FromWorker::Failed("the lab's worker sent something unreadable".into());
    };
    if v["ready"].as_bool() == Some(true) {
        FromWorker::Ready
    } else if let (Some(d), Some(t)) = (v["progress"]["done"].as_u64(), v["progress"]["total"].as_u64()) {
        FromWorker::Progress(d, t)
    } else if let Some(o) = v.get("outcome").and_then(Outcome::from_json) {
        FromWorker::Outcome(Box::new(o))
    } else if let Some(s) = v.get("stale") {
        FromWorker::Stale(s["seed"].as_u64().map(|seed| (seed, s["scenario"].to_string())))
    } else {
        FromWorker::Failed(v["error"].as_str().unwrap_or("the lab's worker failed").to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_are_pairs_within_n() {
        assert_eq!(parse_choices("1,1 2,1  2/2;1,1", 3), Ok(vec![(1, 1), (2, 1), (2, 2)]));
        assert!(parse_choices("1,4", 3).unwrap_err().contains("R=1 W=4 must each be 1 to N=3"));
        assert!(parse_choices("1", 3).unwrap_err().contains("`1` is not two whole numbers"));
        assert!(parse_choices("", 3).unwrap_err().contains("at least one"));
        assert!(parse_choices("1,1 1,2 1,3 2,1 2,2 3,1", 3).unwrap_err().contains("at most 5"));
    }

    #[test]
    fn experiments_in_the_clis_option_names() {
        let mut lab = Lab::default();
        let e = lab.experiments("{}").unwrap();
        assert_eq!(e.len(), 3);
        assert!(
            e[1].starts_with(r#"{"model":"LNKD-DISK","n":3,"r":1,"w":2,"trials":100000,"seed":1,"t":[0,0.5,1,"#),
            "{}",
            e[1]
        );
        assert!(e[0].ends_with(r#",19.5,20],"k":1}"#), "{}", e[0]);
        lab = lab.reduce(LabAction::Set(Field::ReadRepair(true)));
        lab = lab.reduce(LabAction::Set(Field::Model(SCENARIO_MODEL)));
        let e = lab.experiments("{\"nodes\":[\"a\"]}").unwrap();
        assert!(e[0].starts_with(r#"{"scenario":"{\"nodes\":[\"a\"]}","n":3"#), "{}", e[0]);
        assert!(e[0].contains(r#""t":[0,10,20,30,40,50],"k":1,"read_repair":true,"sloppy":false"#), "{}", e[0]);
        lab = lab.reduce(LabAction::Started(e.clone()));
        assert_eq!(lab.stale_request(2, 5.0), Some(format!(r#"{{"stale_read":{{"t_ms":5,"experiment":{}}}}}"#, e[2])));
        assert_eq!(lab.stale_request(3, 5.0), None);
        assert_eq!(Lab::default().reduce(LabAction::Set(Field::Trials(5_000_000))).trials, MAX_TRIALS);
    }

    #[test]
    fn progress_over_all_choices_and_outcomes_read_from_the_clis_json() {
        let text = r#"{"outcome":{"engine":"wars","model":"LNKD-DISK","n":3,"r":1,"w":1,"seed":1,
            "consistent":[{"t_ms":0,"p":0.25,"trials":10},{"t_ms":5,"p":0.9,"trials":10}],
            "t_visibility_ms":{"90":5.0,"99":12.5,"99.9":null},
            "latency_ms":{"read":{"50":1.0,"99":2.0,"99.9":3.0},"write":{"50":4.0,"99.9":6.0,"99":5.0}},
            "k_staleness":[{"k":1,"closed_form":0.6666666666666666,"closed_form_exact":"2/3","simulated":0.7,"trials":10}],
            "mechanisms":{"read_repair":true,"anti_entropy_ms":null,"sloppy_quorum":false,"crashes_per_s":0.5,"crash_ms":200,"writes_per_s":0},
            "trials":10,"excluded":{"puts_failed":1,"gets_failed":2},"ms":12.5}}"#;
        let FromWorker::Outcome(o) = read_message(text) else { panic!("an outcome") };
        assert_eq!(o.points, vec![(0.0, 0.25), (5.0, 0.9)]);
        let none_left = text.replace(r#"{"t_ms":5,"p":0.9,"trials":10}"#, r#"{"t_ms":5,"p":null,"trials":0}"#);
        let FromWorker::Outcome(gap) = read_message(&none_left) else { panic!("an outcome") };
        assert_eq!(gap.points, vec![(0.0, 0.25)], "no point where no trial was left");
        assert_eq!(o.write_ms, vec![("50".into(), 4.0), ("99".into(), 5.0), ("99.9".into(), 6.0)]);
        assert_eq!((o.visibility("99"), o.visibility("99.9")), (Some(Some(12.5)), Some(None)));
        assert_eq!((o.closed_exact.as_str(), o.excluded, o.ms, o.simulated_k1), ("2/3", 3, 12.5, Some(0.7)));
        assert_eq!(o.closed_exact_consistent(), "1/3");
        let mut strict = (*o).clone();
        strict.closed_exact = "0/3".into();
        assert_eq!(strict.closed_exact_consistent(), "1");
        strict.closed_exact = "4/10".into();
        assert_eq!(strict.closed_exact_consistent(), "3/5");
        assert_eq!(o.mechanisms, ["read repair", "0.5 crashes per node per s of 200 ms each"]);
        let mut lab = Lab::default().reduce(LabAction::Started(vec!["{}".into(); 2]));
        lab = lab.reduce(LabAction::Progress(50, 100));
        assert_eq!(lab.progress(), 0.25);
        lab = lab.reduce(LabAction::Outcome(o.clone()));
        assert_eq!((lab.progress(), lab.running()), (0.5, true));
        lab = lab.reduce(LabAction::Outcome(o));
        assert_eq!((lab.run.clone(), lab.results.len()), (Run::Done, 2));
        assert_eq!(read_message(r#"{"progress":{"done":3,"total":9}}"#), FromWorker::Progress(3, 9));
        assert_eq!(read_message(r#"{"error":"r, w: bad"}"#), FromWorker::Failed("r, w: bad".into()));
        assert_eq!(read_message(r#"{"stale":null}"#), FromWorker::Stale(None));
        // Kept curves stay through the next run, to compare it with; cleared on request.
        assert_eq!(lab.results[0].label(), "R=1 W=1, read repair, 0.5 crashes per node per s of 200 ms each");
        lab = lab.reduce(LabAction::Keep);
        assert_eq!(lab.kept, lab.results);
        let mut plain = lab.results[0].clone();
        plain.mechanisms.clear();
        assert_eq!(plain.label(), "R=1 W=1, the paper's model");
        lab = lab.reduce(LabAction::Started(vec!["{}".into()]));
        assert_eq!((lab.results.len(), lab.kept.len()), (0, 2));
        assert_eq!(lab.reduce(LabAction::Keep).kept.len(), 2, "nothing new is kept while running");
        lab = lab.reduce(LabAction::Outcome(Box::new(plain.clone())));
        assert_eq!((lab.results.clone(), lab.kept.len()), (vec![plain], 2));
        assert!(lab.reduce(LabAction::ClearKept).kept.is_empty());
    }
}
