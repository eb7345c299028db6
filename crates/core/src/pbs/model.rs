//! The latency models a staleness experiment draws from: the PBS paper's four production fits
//! (as summed up in `shared/reference/replication-facts.md`) and a scenario's own network.

use crate::latency::Latency;
use crate::scenario::Scenario;

/// The four one-way delays of the WARS model, and whether replicas sit in separate datacenters.
#[derive(Clone, Debug, PartialEq)]
pub struct Delays {
    /// The model's name (`LNKD-SSD`, ..., or `scenario`).
    pub name: String,
    /// W: the write reaching a replica.
    pub put: Latency,
    /// A: its acknowledgement coming back.
    pub put_ack: Latency,
    /// R: the read reaching a replica.
    pub get: Latency,
    /// S: the replica's answer coming back.
    pub get_reply: Latency,
    /// When above 0, every replica is in a datacenter of its own, the writer's and the reader's
    /// datacenters are drawn at random per trial, and every one-way message to a non-local
    /// replica takes this much longer (the paper's WAN: 75 ms).
    pub remote_ms: f64,
}

/// The model names [`Delays::named`] knows, in the paper's order.
pub const MODELS: [&str; 4] = ["LNKD-SSD", "LNKD-DISK", "YMMR", "WAN"];

/// `w` Pareto(xm, α) + the rest Exponential with rate λ (mean 1/λ), drawn per message.
fn fit(w: f64, xm: f64, alpha: f64, lambda: f64) -> Latency {
    Latency::Mix(vec![(w, Latency::Pareto { xm, alpha }), (1.0 - w, Latency::Exp(1.0 / lambda))])
}

impl Delays {
    /// One of the paper's fitted models (case-insensitive), or `None`.
    pub fn named(name: &str) -> Option<Delays> {
        let ssd = fit(0.9122, 0.235, 10.0, 1.66);
        let disk_write = fit(0.38, 1.05, 1.51, 0.183);
        let all = |name: &str, put: Latency, ars: Latency, remote_ms: f64| Delays {
            name: name.to_string(),
            put,
            put_ack: ars.clone(),
            get: ars.clone(),
            get_reply: ars,
            remote_ms,
        };
        Some(match name.to_ascii_uppercase().as_str() {
            "LNKD-SSD" => all("LNKD-SSD", ssd.clone(), ssd, 0.0),
            "LNKD-DISK" => all("LNKD-DISK", disk_write, ssd, 0.0),
            "YMMR" => all("YMMR", fit(0.939, 3.0, 3.35, 0.0028), fit(0.982, 1.5, 3.8, 0.0217), 0.0),
            "WAN" => all("WAN", disk_write, ssd, 75.0),
            _ => return None,
        })
    }

    /// A scenario's network: its latency per message kind (or `latency_ms`), and, if it crosses
    /// datacenters at a cost (`between_dcs_ms` > 0), one datacenter per replica as WAN has.
    /// Links and loss are not part of the model.
    pub fn of_scenario(sc: &Scenario) -> Delays {
        let kind = |i: usize| sc.kind_latency[i].clone().unwrap_or_else(|| sc.latency.clone());
        Delays {
            name: "scenario".to_string(),
            put: kind(0),
            put_ack: kind(1),
            get: kind(2),
            get_reply: kind(3),
            remote_ms: if sc.dcs.len() > 1 { crate::ids::us_to_ms(sc.between_dcs_us) } else { 0.0 },
        }
    }

    pub(crate) fn remote_us(&self) -> u64 {
        crate::ids::ms_to_us(self.remote_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fits_are_the_facts_files() {
        let disk = Delays::named("lnkd-disk").unwrap();
        assert_eq!(disk.put.describe(), "38.0% Pareto(xm=1.05 ms, α=1.51) + 62.0% exponential, mean 5.464 ms");
        assert_eq!(disk.get, Delays::named("LNKD-SSD").unwrap().get);
        let ymmr = Delays::named("YMMR").unwrap();
        assert!((ymmr.put.mean_ms() - (0.939 * 4.2857 + 0.061 * 357.14)).abs() < 0.01);
        assert_eq!(Delays::named("WAN").unwrap().remote_ms, 75.0);
        assert!(Delays::named("SSD").is_none());
    }
}
