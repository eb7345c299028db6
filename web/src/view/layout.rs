//! Where the ring puts each node and client for a run: plain functions over the model, so the
//! ring (SVG) and the messages (canvas) share one layout without importing each other.

use crate::geometry::{self, polar, Pt, CLIENT_R, RING_R};
use crate::model::Model;
use quorumscope_core::Addr;

pub struct Layout {
    pub nodes: Vec<Pt>,
    pub node_angles: Vec<f64>,
    pub clients: Vec<Pt>,
    pub radius: f64,
    /// The ring's base font size, in viewBox units (client pills are sized by it).
    pub font: f64,
}

pub fn layout(model: &Model) -> Layout {
    layout_with(model, geometry::BASE_FONT)
}

/// The layout for a given ring font size (clients spread further apart when text is larger).
pub fn layout_with(model: &Model, font: f64) -> Layout {
    let sc = model.sc();
    let node_dc: Vec<usize> = sc.nodes.iter().map(|n| n.dc as usize).collect();
    let client_dc: Vec<usize> = sc.clients.iter().map(|c| c.dc as usize).collect();
    let node_angles = geometry::node_angles(&node_dc, sc.dcs.len());
    let client_angles = geometry::client_angles(&client_dc, &node_dc, sc.dcs.len(), geometry::client_step(font));
    Layout {
        nodes: node_angles.iter().map(|a| polar(RING_R, *a)).collect(),
        clients: client_angles.iter().map(|a| polar(CLIENT_R, *a)).collect(),
        node_angles,
        radius: geometry::node_radius_for(sc.nodes.len(), font),
        font,
    }
}

impl Layout {
    pub fn pos(&self, a: Addr) -> Pt {
        match a {
            Addr::Node(n) => self.nodes[n as usize],
            Addr::Client(c) => self.clients[c as usize],
        }
    }

    /// Where a message from `from` to `to` starts and ends: at the edges of the sender and the
    /// receiver (a node's circle, a client's pill) plus a message's outline, so that a message
    /// about to leave or just arrived never hides a name.
    pub fn path(&self, from: Addr, to: Addr) -> (Pt, Pt) {
        let (a, b) = (self.pos(from), self.pos(to));
        let d = Pt::dist(a, b);
        if d <= 0.0 {
            return (a, b);
        }
        let (ux, uy) = ((b.x - a.x) / d, (b.y - a.y) / d);
        let outline = 10.0 * self.font / geometry::BASE_FONT;
        let reach = |x: Addr| match x {
            Addr::Node(_) => self.radius + outline,
            // The message lane runs 5 units to the side of the line between centres.
            Addr::Client(_) => geometry::pill_reach(ux, uy, self.font, outline + 6.0),
        };
        let (ra, rb) = (reach(from), reach(to));
        if ra + rb >= d {
            let m = Pt::lerp(a, b, ra / (ra + rb));
            return (m, m);
        }
        (Pt { x: a.x + ux * ra, y: a.y + uy * ra }, Pt { x: b.x - ux * rb, y: b.y - uy * rb })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::model::tests::model;

    #[test]
    fn nodes_sit_on_the_ring_and_clients_outside_it() {
        let m = model("sloppy-quorum");
        let lay = layout(&m);
        let c = Pt { x: geometry::CENTER.0, y: geometry::CENTER.1 };
        assert_eq!(lay.nodes.len(), m.sc().nodes.len());
        assert_eq!(lay.node_angles.len(), lay.nodes.len());
        assert_eq!(lay.clients.len(), m.sc().clients.len());
        assert!(lay.nodes.iter().all(|p| (Pt::dist(*p, c) - RING_R).abs() < 1e-9));
        assert!(lay.clients.iter().all(|p| (Pt::dist(*p, c) - CLIENT_R).abs() < 1e-9));
        assert_eq!(lay.pos(Addr::Node(1)), lay.nodes[1]);
        assert_eq!(lay.pos(Addr::Client(0)), lay.clients[0]);
        assert_eq!(lay.radius, geometry::node_radius_for(m.sc().nodes.len(), geometry::BASE_FONT));
    }
}
