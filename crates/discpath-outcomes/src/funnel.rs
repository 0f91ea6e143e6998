//! A funnel plot of responder rates by clinician (Spiegelhalter 2005): each clinician's rate
//! against the number of episodes with a known outcome, around the overall rate, with the 95%
//! and 99.8% control limits of a binomial proportion — a clinician outside the 99.8% funnel
//! differs by more than chance would explain. Drawn as our own SVG: chart libraries draw
//! scatter plots but not these limits.

use std::fmt::Write as _;

/// One clinician's point.
#[derive(Debug, Clone, PartialEq)]
pub struct FunnelPoint {
    /// Who (a name).
    pub label: String,
    /// Responders.
    pub responders: u64,
    /// Episodes with a known outcome.
    pub known: u64,
}

/// The normal quantiles of the two funnels: 95% and 99.8%, two-sided.
const Z: [f64; 2] = [1.959_963_984_540_054, 3.090_232_306_167_813];

/// The control limits at `n` around the rate `p`: `[(low, high); 2]` for 95% and 99.8%,
/// clamped to 0–1.
pub fn limits(p: f64, n: u64) -> [(f64, f64); 2] {
    #[allow(clippy::cast_precision_loss, reason = "counts far below 2^52")]
    let spread = (p * (1.0 - p) / n.max(1) as f64).sqrt();
    Z.map(|z| ((p - z * spread).max(0.0), (p + z * spread).min(1.0)))
}

/// The overall rate of the points (responders over known), `None` when nothing is known.
pub fn overall(points: &[FunnelPoint]) -> Option<f64> {
    let (responders, known) =
        points.iter().fold((0, 0), |(r, k), point| (r + point.responders, k + point.known));
    #[allow(clippy::cast_precision_loss, reason = "counts far below 2^52")]
    (known > 0).then(|| responders as f64 / known as f64)
}

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 400.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 48.0;

/// The funnel plot as a standalone SVG document, titled `title`.
pub fn svg(title: &str, points: &[FunnelPoint]) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" \
         width=\"{WIDTH}\" height=\"{HEIGHT}\" role=\"img\" aria-labelledby=\"funnel-title\" \
         font-family=\"sans-serif\" font-size=\"12\">\
         <title id=\"funnel-title\">{}</title>\
         <rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\
         <text x=\"{LEFT}\" y=\"22\" font-size=\"14\" font-weight=\"bold\">{}</text>",
        escape(title),
        escape(title)
    );
    let max_n = points.iter().map(|p| p.known).max().unwrap_or(0).max(10);
    #[allow(clippy::cast_precision_loss, reason = "counts far below 2^52")]
    let x = |n: f64| LEFT + n / max_n as f64 * (WIDTH - LEFT - RIGHT);
    let y = |rate: f64| TOP + (1.0 - rate) * (HEIGHT - TOP - BOTTOM);
    // Axes, with the rate in tenths and the episodes in fifths of the largest.
    for tenth in 0..=10 {
        let rate = f64::from(tenth) / 10.0;
        let _ = write!(
            out,
            "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#e5e5e5\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}%</text>",
            WIDTH - RIGHT,
            y(rate),
            y(rate),
            LEFT - 6.0,
            y(rate) + 4.0,
            tenth * 10
        );
    }
    #[allow(clippy::cast_precision_loss, reason = "counts far below 2^52")]
    for fifth in 0..=5u32 {
        let n = (max_n as f64 * f64::from(fifth) / 5.0).round();
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{n}</text>",
            x(n),
            HEIGHT - BOTTOM + 18.0
        );
    }
    let _ = write!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">episodes with a known outcome</text>",
        LEFT + (WIDTH - LEFT - RIGHT) / 2.0,
        HEIGHT - 8.0
    );
    if let Some(p) = overall(points) {
        // The funnels: from 2 episodes to the largest, in steps fine enough to look smooth.
        let steps: Vec<u64> = (2..=max_n).collect();
        for (which, (dash, name)) in [("4 3", "95%"), ("", "99.8%")].into_iter().enumerate() {
            for side in [0, 1] {
                let line: Vec<String> = steps
                    .iter()
                    .map(|&n| {
                        let (low, high) = limits(p, n)[which];
                        #[allow(clippy::cast_precision_loss, reason = "counts far below 2^52")]
                        let at = x(n as f64);
                        format!("{at:.1},{:.1}", y(if side == 0 { low } else { high }))
                    })
                    .collect();
                let _ = write!(
                    out,
                    "<polyline fill=\"none\" stroke=\"#005eb8\" stroke-width=\"1.5\" \
                     stroke-dasharray=\"{dash}\" points=\"{}\"><title>{name} limit</title></polyline>",
                    line.join(" ")
                );
            }
        }
        let _ = write!(
            out,
            "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#212b32\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">overall {:.1}%</text>",
            WIDTH - RIGHT,
            y(p),
            y(p),
            WIDTH - RIGHT,
            y(p) - 6.0,
            p * 100.0
        );
    }
    for point in points.iter().filter(|point| point.known > 0) {
        #[allow(clippy::cast_precision_loss, reason = "counts far below 2^52")]
        let rate = point.responders as f64 / point.known as f64;
        #[allow(clippy::cast_precision_loss, reason = "counts far below 2^52")]
        let at = x(point.known as f64);
        let _ = write!(
            out,
            "<circle cx=\"{at:.1}\" cy=\"{:.1}\" r=\"5\" fill=\"#d5281b\"><title>{}: {} of {} ({:.1}%)</title></circle>",
            y(rate),
            escape(&point.label),
            point.responders,
            point.known,
            rate * 100.0
        );
    }
    let _ = write!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#4c6272\">dashed: 95% limits; solid: 99.8% limits</text></svg>",
        WIDTH - RIGHT,
        TOP - 6.0
    );
    out.push('\n');
    out
}

/// Text for SVG content and attributes.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_of_a_binomial_proportion() {
        // p = 0.5, n = 100: the standard error is 0.05.
        let [(low95, high95), (low998, high998)] = limits(0.5, 100);
        assert!((low95 - 0.402).abs() < 1e-3 && (high95 - 0.598).abs() < 1e-3);
        assert!((low998 - 0.3455).abs() < 1e-4 && (high998 - 0.6545).abs() < 1e-4);
        // Small groups reach the ends, clamped.
        assert!(limits(0.9, 2)[1].1 >= 1.0, "clamped at 1");
        assert!(limits(0.1, 2)[1].0 <= 0.0, "clamped at 0");
    }

    #[test]
    fn the_plot_has_a_point_per_clinician_and_both_funnels() {
        let points = [
            FunnelPoint { label: "Dr A & <B>".to_owned(), responders: 30, known: 60 },
            FunnelPoint { label: "Dr C".to_owned(), responders: 5, known: 40 },
            FunnelPoint { label: "Dr D (nothing known)".to_owned(), responders: 0, known: 0 },
        ];
        assert_eq!(overall(&points), Some(0.35));
        let drawn = svg("Responders by clinician", &points);
        assert!(drawn.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(drawn.trim_end().ends_with("</svg>"));
        assert_eq!(
            drawn.matches("<circle").count(),
            2,
            "a point per clinician with known outcomes"
        );
        assert_eq!(drawn.matches("<polyline").count(), 4, "two sides of two funnels");
        assert!(drawn.contains("Dr A &amp; &lt;B&gt;: 30 of 60 (50.0%)"), "escaped");
        assert!(drawn.contains("overall 35.0%"));
        assert_eq!(overall(&[]), None);
        assert_eq!(svg("empty", &[]).matches("<polyline").count(), 0, "no funnel without data");
    }
}
