//! An experiment given as JSON text, with the CLI's option names (`quorumscope pbs --help`):
//! what the browser's worker is sent. Every error names its option.

use super::{Config, Delays, Engine, Mechanisms, MODELS};
use serde_json::{Map, Value};

/// The options [`Config::from_json`] reads, as `quorumscope pbs` spells them (`-` as `_`).
pub const OPTIONS: [&str; 16] = [
    "model",
    "scenario",
    "n",
    "r",
    "w",
    "trials",
    "seed",
    "t",
    "k",
    "engine",
    "read_repair",
    "anti_entropy_ms",
    "sloppy",
    "crashes_per_s",
    "crash_ms",
    "writes_per_s",
];

fn uint(o: &Map<String, Value>, key: &str, default: u64) -> Result<u64, String> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => v.as_u64().ok_or_else(|| format!("{key}: must be a whole number >= 0")),
    }
}

fn float(o: &Map<String, Value>, key: &str) -> Result<Option<f64>, String> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_f64().map(Some).ok_or_else(|| format!("{key}: must be a number")),
    }
}

fn flag(o: &Map<String, Value>, key: &str) -> Result<bool, String> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(v) => v.as_bool().ok_or_else(|| format!("{key}: must be true or false")),
    }
}

fn small(o: &Map<String, Value>, key: &str, default: u32) -> Result<u32, String> {
    u32::try_from(uint(o, key, u64::from(default))?).map_err(|_| format!("{key}: too large"))
}

impl Config {
    /// Reads an experiment from JSON text, with the CLI's defaults for what it leaves out, and
    /// checks it ([`Config::check`]).
    pub fn from_json(text: &str) -> Result<Config, String> {
        let v: Value = serde_json::from_str(text).map_err(|e| format!("the experiment is not JSON: {e}"))?;
        let o = v.as_object().ok_or("the experiment must be a JSON object")?;
        if let Some(k) = o.keys().find(|k| !OPTIONS.contains(&k.as_str())) {
            return Err(format!("{k}: not an option (known: {})", OPTIONS.join(", ")));
        }
        let (delays, (n, r, w)) = match o.get("scenario") {
            Some(Value::String(text)) => {
                let (_, sc) = crate::scenario::parse(text).map_err(|e| format!("scenario: {e}"))?;
                (Delays::of_scenario(&sc), (sc.repl.n, sc.repl.r, sc.repl.w))
            }
            Some(_) => return Err("scenario: must be a scenario file's text".into()),
            None => {
                let name = match o.get("model") {
                    None => "LNKD-DISK",
                    Some(m) => m.as_str().ok_or("model: must be a name")?,
                };
                let d = Delays::named(name)
                    .ok_or_else(|| format!("model: unknown model `{name}` (known: {})", MODELS.join(", ")))?;
                (d, (3, 1, 1))
            }
        };
        let t_ms = match o.get("t") {
            None => vec![0.0, 5.0, 10.0],
            Some(Value::Array(xs)) if xs.len() <= super::MAX_T_VALUES => {
                xs.iter().map(|x| x.as_f64().ok_or("t: each time must be a number")).collect::<Result<_, _>>()?
            }
            Some(_) => return Err(format!("t: must be a list of up to {} times in ms", super::MAX_T_VALUES)),
        };
        let engine = match o.get("engine").and_then(Value::as_str) {
            None => None,
            Some("wars") => Some(Engine::Wars),
            Some("simulator") => Some(Engine::Simulator),
            Some(other) => return Err(format!("engine: `{other}` is not wars or simulator")),
        };
        let cfg = Config {
            n: small(o, "n", n)?,
            r: small(o, "r", r)?,
            w: small(o, "w", w)?,
            delays,
            trials: uint(o, "trials", 100_000)?,
            seed: uint(o, "seed", 1)?,
            t_ms,
            k_max: small(o, "k", 3)?,
            mechanisms: Mechanisms {
                read_repair: flag(o, "read_repair")?,
                anti_entropy_ms: float(o, "anti_entropy_ms")?,
                sloppy_quorum: flag(o, "sloppy")?,
                crashes_per_s: float(o, "crashes_per_s")?.unwrap_or(0.0),
                crash_ms: float(o, "crash_ms")?.unwrap_or(1000.0),
                writes_per_s: float(o, "writes_per_s")?.unwrap_or(0.0),
            },
            engine,
        };
        cfg.check()?;
        Ok(cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cli_defaults_and_named_errors() {
        let c = Config::from_json("{}").unwrap();
        assert_eq!((c.n, c.r, c.w, c.trials, c.seed, c.k_max), (3, 1, 1, 100_000, 1, 3));
        assert_eq!((c.delays.name.as_str(), c.t_ms.as_slice()), ("LNKD-DISK", &[0.0, 5.0, 10.0][..]));
        let c = Config::from_json(r#"{"model":"wan","r":2,"t":[0,1.5],"read_repair":true,"crash_ms":50}"#).unwrap();
        assert_eq!((c.delays.name.as_str(), c.r, c.t_ms[1], c.engine()), ("WAN", 2, 1.5, Engine::Simulator));
        assert_eq!(c.mechanisms.crash_ms, 50.0);
        for (text, err) in [
            (r#"{"model":"SSD"}"#, "model: unknown model `SSD`"),
            (r#"{"r":4}"#, "r, w: R=4"),
            (r#"{"trials":-1}"#, "trials: must be a whole"),
            (r#"{"t":"5"}"#, "t: must be a list"),
            (r#"{"engine":"fast"}"#, "engine: `fast`"),
            (r#"{"sloppy":1}"#, "sloppy: must be true"),
            (r#"{"nodes":3}"#, "nodes: not an option"),
            (r#"{"scenario":"{}"}"#, "scenario: "),
            ("[1]", "must be a JSON object"),
        ] {
            let got = Config::from_json(text).unwrap_err();
            assert!(got.starts_with(err) || got.contains(err), "{text}: {got}");
        }
    }
}
