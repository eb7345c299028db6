//! Per-message latency distributions.
//!
//! Sampling uses inverse transform with `libm`, never `f64::ln`/`powf`: those lower to the
//! platform's libm natively and to a different one in wasm, and a last-bit difference would make a
//! seed mean a different run in the browser than on the command line.

use crate::num::{fixed, num as show};
use crate::rng::Rng;
use serde::{Serialize, Serializer};
use serde_json::Value;

/// No message takes longer than this; Pareto tails are clipped here so one draw cannot stall a run.
pub const MAX_LATENCY_MS: f64 = 60_000.0;
/// Mixtures nest; this bounds recursion on hostile input.
pub const MAX_MIX_DEPTH: usize = 4;
pub const MAX_MIX_PARTS: usize = 16;

#[derive(Clone, Debug, PartialEq)]
pub enum Latency {
    Const(f64),
    Uniform(f64, f64),
    /// Exponential with this mean (ms).
    Exp(f64),
    Pareto {
        xm: f64,
        alpha: f64,
    },
    /// (weight, component); weights sum to 1.
    Mix(Vec<(f64, Latency)>),
}

impl Default for Latency {
    fn default() -> Self {
        Latency::Uniform(2.0, 8.0)
    }
}

impl Latency {
    /// Draws one latency in whole microseconds.
    pub fn sample_us(&self, rng: &mut Rng) -> u64 {
        let ms = self.sample_ms(rng).clamp(0.0, MAX_LATENCY_MS);
        // Rounding an IEEE double is exact and portable.
        (ms * 1000.0).round() as u64
    }

    fn sample_ms(&self, rng: &mut Rng) -> f64 {
        match self {
            Latency::Const(c) => *c,
            Latency::Uniform(a, b) => a + (b - a) * rng.unit_f64(),
            // 1 - u is in (0, 1], so the log is finite.
            Latency::Exp(mean) => -mean * libm::log(1.0 - rng.unit_f64()),
            Latency::Pareto { xm, alpha } => xm * libm::pow(1.0 - rng.unit_f64(), -1.0 / alpha),
            Latency::Mix(parts) => {
                let u = rng.unit_f64();
                let mut acc = 0.0;
                for (w, part) in parts {
                    acc += w;
                    if u < acc {
                        return part.sample_ms(rng);
                    }
                }
                // Rounding left u above the last cumulative weight: take the last part.
                parts.last().map(|(_, p)| p.sample_ms(rng)).unwrap_or(0.0)
            }
        }
    }

    /// Mean in ms (for explanations; Pareto with alpha <= 1 has no mean and reports the cap).
    pub fn mean_ms(&self) -> f64 {
        match self {
            Latency::Const(c) => *c,
            Latency::Uniform(a, b) => (a + b) / 2.0,
            Latency::Exp(m) => *m,
            Latency::Pareto { xm, alpha } => {
                if *alpha <= 1.0 {
                    MAX_LATENCY_MS
                } else {
                    alpha * xm / (alpha - 1.0)
                }
            }
            Latency::Mix(parts) => parts.iter().map(|(w, p)| w * p.mean_ms()).sum(),
        }
    }

    /// Parses the scenario form; `path` names the field in messages.
    pub fn from_json(v: &Value, path: &str) -> Result<Latency, String> {
        Self::parse(v, path, 0)
    }

    fn parse(v: &Value, path: &str, depth: usize) -> Result<Latency, String> {
        if depth > MAX_MIX_DEPTH {
            return Err(format!("{path}: mixtures nest more than {MAX_MIX_DEPTH} deep"));
        }
        let num = |v: &Value, what: &str| ms_at(v, path, what);
        if v.is_number() {
            return Ok(Latency::Const(num(v, "latency")?));
        }
        let obj = v.as_object().ok_or_else(|| {
            format!("{path}: a latency is a number of ms or one of {{\"const\"}}, {{\"uniform\"}}, {{\"exp\"}}, {{\"pareto\"}}, {{\"mix\"}}; got {v}")
        })?;
        if obj.len() != 1 {
            return Err(format!(
                "{path}: a latency object has exactly one field (const, uniform, exp, pareto or mix), got {}",
                obj.len()
            ));
        }
        let (k, inner) = obj.iter().next().expect("len checked");
        match k.as_str() {
            "const" => Ok(Latency::Const(num(inner, "const")?)),
            "uniform" => {
                let arr = inner
                    .as_array()
                    .filter(|a| a.len() == 2)
                    .ok_or_else(|| format!("{path}.uniform: expected [low, high], got {inner}"))?;
                let (a, b) = (num(&arr[0], "uniform low")?, num(&arr[1], "uniform high")?);
                if a > b {
                    return Err(format!("{path}.uniform: low {} is above high {}", show(a), show(b)));
                }
                Ok(Latency::Uniform(a, b))
            }
            "exp" => Ok(Latency::Exp(num(inner, "exp mean")?)),
            "pareto" => Self::parse_pareto(inner, path),
            "mix" => Self::parse_mix(inner, path, depth),
            other => {
                Err(format!("{path}: unknown latency kind `{other}` (expected const, uniform, exp, pareto or mix)"))
            }
        }
    }

    fn parse_pareto(inner: &Value, path: &str) -> Result<Latency, String> {
        let o = inner
            .as_object()
            .ok_or_else(|| format!("{path}.pareto: expected {{\"xm\": x, \"alpha\": a}}, got {inner}"))?;
        for key in o.keys() {
            if key != "xm" && key != "alpha" {
                return Err(format!("{path}.pareto: unknown field `{key}` (expected xm, alpha)"));
            }
        }
        let xm = ms_at(o.get("xm").ok_or_else(|| format!("{path}.pareto: missing xm"))?, path, "xm")?;
        let alpha = ms_at(o.get("alpha").ok_or_else(|| format!("{path}.pareto: missing alpha"))?, path, "alpha")?;
        if alpha <= 0.0 {
            return Err(format!("{path}.pareto.alpha must be > 0, got {}", show(alpha)));
        }
        Ok(Latency::Pareto { xm, alpha })
    }

    fn parse_mix(inner: &Value, path: &str, depth: usize) -> Result<Latency, String> {
        let arr =
            inner.as_array().ok_or_else(|| format!("{path}.mix: expected [[weight, latency], ...], got {inner}"))?;
        if arr.is_empty() || arr.len() > MAX_MIX_PARTS {
            return Err(format!("{path}.mix: needs 1 to {MAX_MIX_PARTS} parts, got {}", arr.len()));
        }
        let mut parts = Vec::with_capacity(arr.len());
        let mut sum = 0.0;
        for (i, part) in arr.iter().enumerate() {
            let p = format!("{path}.mix[{i}]");
            let pair = part
                .as_array()
                .filter(|a| a.len() == 2)
                .ok_or_else(|| format!("{p}: expected [weight, latency], got {part}"))?;
            let w = pair[0]
                .as_f64()
                .filter(|w| w.is_finite() && *w >= 0.0)
                .ok_or_else(|| format!("{p}: weight must be a number >= 0, got {}", pair[0]))?;
            sum += w;
            parts.push((w, Self::parse(&pair[1], &format!("{p}[1]"), depth + 1)?));
        }
        if (sum - 1.0).abs() > 1e-6 {
            return Err(format!("{path}.mix: weights sum to {}, they must sum to 1", show(sum)));
        }
        Ok(Latency::Mix(parts))
    }

    /// Short human text, e.g. "uniform 2–8 ms".
    pub fn describe(&self) -> String {
        match self {
            Latency::Const(c) => format!("{} ms", show(*c)),
            Latency::Uniform(a, b) => format!("uniform {}–{} ms", show(*a), show(*b)),
            Latency::Exp(m) => format!("exponential, mean {} ms", show(*m)),
            Latency::Pareto { xm, alpha } => format!("Pareto(xm={} ms, α={})", show(*xm), show(*alpha)),
            Latency::Mix(parts) => parts
                .iter()
                .map(|(w, p)| format!("{}% {}", fixed(w * 100.0, 1), p.describe()))
                .collect::<Vec<_>>()
                .join(" + "),
        }
    }
}

impl Latency {
    /// The scenario form (the inverse of [`Latency::from_json`]).
    pub fn to_json(&self) -> Value {
        // Maps are built by insertion: collecting into one would bring in a sort of its own.
        let one = |k: &str, v: Value| {
            let mut m = serde_json::Map::new();
            m.insert(k.to_string(), v);
            Value::Object(m)
        };
        match self {
            Latency::Const(c) => Value::from(*c),
            Latency::Uniform(a, b) => one("uniform", Value::from(vec![*a, *b])),
            Latency::Exp(mean) => one("exp", Value::from(*mean)),
            Latency::Pareto { xm, alpha } => {
                let mut p = serde_json::Map::new();
                p.insert("xm".into(), Value::from(*xm));
                p.insert("alpha".into(), Value::from(*alpha));
                one("pareto", Value::Object(p))
            }
            Latency::Mix(parts) => one(
                "mix",
                Value::Array(parts.iter().map(|(w, l)| Value::Array(vec![Value::from(*w), l.to_json()])).collect()),
            ),
        }
    }
}

impl Serialize for Latency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(s)
    }
}

/// A number of ms (or a parameter) at `path`: finite, >= 0 and within the latency cap.
fn ms_at(v: &Value, path: &str, what: &str) -> Result<f64, String> {
    let x = v.as_f64().ok_or_else(|| format!("{path}: {what} must be a number, got {v}"))?;
    if !x.is_finite() || x < 0.0 {
        return Err(format!("{path}: {what} must be a finite number >= 0, got {}", show(x)));
    }
    if x > MAX_LATENCY_MS {
        return Err(format!("{path}: {what} = {} is above the {} ms cap", show(x), show(MAX_LATENCY_MS)));
    }
    Ok(x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn mean_of(l: &Latency, n: usize) -> f64 {
        let mut rng = Rng::new(42);
        (0..n).map(|_| l.sample_us(&mut rng) as f64 / 1000.0).sum::<f64>() / n as f64
    }

    #[test]
    fn sample_means_match_the_distribution() {
        for l in [
            Latency::Const(5.0),
            Latency::Uniform(2.0, 8.0),
            Latency::Exp(3.0),
            Latency::Pareto { xm: 1.0, alpha: 3.0 },
            Latency::Mix(vec![(0.5, Latency::Const(1.0)), (0.5, Latency::Const(9.0))]),
        ] {
            let m = mean_of(&l, 40_000);
            assert!((m - l.mean_ms()).abs() < 0.06 * l.mean_ms(), "{l:?}: sample mean {m}");
        }
    }

    #[test]
    fn pareto_never_below_scale() {
        let l = Latency::Pareto { xm: 0.235, alpha: 10.0 };
        let mut rng = Rng::new(1);
        assert!((0..10_000).all(|_| l.sample_us(&mut rng) >= 235));
    }

    #[test]
    fn parses_every_form_and_round_trips() {
        for v in [
            json!(5),
            json!({"const": 2.5}),
            json!({"uniform": [2, 8]}),
            json!({"exp": 1.66}),
            json!({"pareto": {"xm": 0.235, "alpha": 10}}),
            json!({"mix": [[0.9122, {"pareto": {"xm": 0.235, "alpha": 10}}], [0.0878, {"exp": 0.6}]]}),
        ] {
            let l = Latency::from_json(&v, "network.latency_ms").unwrap();
            let back = serde_json::to_value(&l).unwrap();
            assert_eq!(Latency::from_json(&back, "x").unwrap(), l);
        }
    }

    #[test]
    fn rejects_bad_forms_naming_the_field() {
        let cases = [
            (json!({"mix": [[0.5, 1], [0.4, 2]]}), "weights sum to 0.9"),
            (json!({"uniform": [8, 2]}), "low 8 is above high 2"),
            (json!({"gauss": 1}), "unknown latency kind `gauss`"),
            (json!(-1), "must be a finite number >= 0"),
            (json!({"pareto": {"xm": 1, "alpha": 0}}), "alpha must be > 0"),
            (json!("fast"), "a latency is a number"),
        ];
        for (v, want) in cases {
            let e = Latency::from_json(&v, "network.latency_ms").unwrap_err();
            assert!(e.contains(want) && e.starts_with("network.latency_ms"), "{e}");
        }
    }

    #[test]
    fn nested_mixtures_are_bounded() {
        let mut v = json!(1);
        for _ in 0..10 {
            v = json!({"mix": [[1.0, v]]});
        }
        assert!(Latency::from_json(&v, "l").unwrap_err().contains("nest"));
    }
}
