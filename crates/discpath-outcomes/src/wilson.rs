//! The Wilson score interval of a proportion (Wilson 1927): unlike the normal approximation it
//! stays within 0–1 and behaves at 0 or n successes and in small groups.

use serde::Serialize;

/// A confidence interval of a proportion, both ends in 0–1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    /// The lower end.
    pub low: f64,
    /// The upper end.
    pub high: f64,
}

/// The standard normal quantile of a two-sided 95% interval.
pub const Z_95: f64 = 1.959_963_984_540_054;

/// The Wilson interval of `successes` in `n` at the normal quantile `z` (`Z_95` for 95%);
/// `None` for an empty group.
pub fn wilson(successes: u64, n: u64, z: f64) -> Option<Interval> {
    if n == 0 || successes > n {
        return None;
    }
    #[allow(clippy::cast_precision_loss, reason = "counts far below 2^52")]
    let (k, n) = (successes as f64, n as f64);
    let p = k / n;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some(Interval { low: (centre - half).max(0.0), high: (centre + half).min(1.0) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn close(interval: Interval, low: f64, high: f64) {
        assert!(
            (interval.low - low).abs() < 5e-5 && (interval.high - high).abs() < 5e-5,
            "{interval:?}, expected [{low}, {high}]"
        );
    }

    #[test]
    fn known_values() {
        // Published values (Newcombe 1998, Table I; and any Wilson calculator), four decimals.
        close(wilson(81, 263, Z_95).unwrap(), 0.2553, 0.3662);
        close(wilson(15, 148, Z_95).unwrap(), 0.0624, 0.1605);
        close(wilson(0, 20, Z_95).unwrap(), 0.0, 0.1611);
        close(wilson(1, 29, Z_95).unwrap(), 0.0061, 0.1718);
        close(wilson(5, 10, Z_95).unwrap(), 0.2366, 0.7634);
        close(wilson(10, 10, Z_95).unwrap(), 0.7225, 1.0);
        assert_eq!(wilson(0, 0, Z_95), None);
        assert_eq!(wilson(3, 2, Z_95), None);
    }
}
