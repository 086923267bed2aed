//! Listing sorts and the hot ranking.

use crate::RuleError;

/// How a thread listing is ordered. Every sort is descending, ties broken by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// Score with time decay: see [`hot_rank`].
    Hot,
    /// Newest first.
    New,
    /// Oldest first: the support queue's order (who has waited longest).
    Old,
    /// Most recent activity (the thread or its latest reply) first.
    Active,
    /// Highest score first, among threads created in the window.
    Top(TopWindow),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopWindow {
    Day,
    Week,
    Month,
    All,
}

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

impl TopWindow {
    pub fn parse(s: &str) -> Result<Self, RuleError> {
        match s {
            "day" => Ok(TopWindow::Day),
            "week" => Ok(TopWindow::Week),
            "month" => Ok(TopWindow::Month),
            "all" => Ok(TopWindow::All),
            other => Err(RuleError::invalid(
                "t",
                format!("unknown window {other:?}; use day, week, month or all"),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TopWindow::Day => "day",
            TopWindow::Week => "week",
            TopWindow::Month => "month",
            TopWindow::All => "all",
        }
    }

    /// The earliest creation time (ms) a thread may have to be listed, if any.
    pub fn since(self, now_ms: i64) -> Option<i64> {
        match self {
            TopWindow::Day => Some(now_ms - DAY_MS),
            TopWindow::Week => Some(now_ms - 7 * DAY_MS),
            TopWindow::Month => Some(now_ms - 30 * DAY_MS),
            TopWindow::All => None,
        }
    }
}

impl Sort {
    /// Reads `?sort=` and `?t=` as clients send them. Missing sort means hot;
    /// a window only goes with `top` (missing means all time).
    pub fn parse(sort: Option<&str>, window: Option<&str>) -> Result<Self, RuleError> {
        let window = window.filter(|w| !w.is_empty());
        match sort.filter(|s| !s.is_empty()).unwrap_or("hot") {
            "top" => Ok(Sort::Top(
                window
                    .map(TopWindow::parse)
                    .transpose()?
                    .unwrap_or(TopWindow::All),
            )),
            other if window.is_some() => Err(RuleError::invalid(
                "t",
                format!("a time window only applies to sort=top, not {other:?}"),
            )),
            "hot" => Ok(Sort::Hot),
            "new" => Ok(Sort::New),
            "old" => Ok(Sort::Old),
            "active" => Ok(Sort::Active),
            other => Err(RuleError::invalid(
                "sort",
                format!("unknown sort {other:?}; use hot, new, old, active or top"),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Hot => "hot",
            Sort::New => "new",
            Sort::Old => "old",
            Sort::Active => "active",
            Sort::Top(_) => "top",
        }
    }

    pub fn window(self) -> Option<TopWindow> {
        match self {
            Sort::Top(w) => Some(w),
            _ => None,
        }
    }
}

/// Seconds of age that weigh as much as a tenfold score. 12.5 hours: a thread
/// needs ten times the votes to stay level with one posted half a day later.
const DECAY_SECONDS: f64 = 45_000.0;
/// An arbitrary fixed origin (2026-01-01T00:00:00Z) that keeps the numbers small.
const EPOCH_SECONDS: i64 = 1_767_225_600;

/// The hot rank: log-scaled score plus a term that grows with creation time.
///
/// Because newer threads get a larger time term, older ones decay relative to
/// them without anything having to be recomputed as the clock moves: the rank
/// only changes when the score does. That keeps the listing a plain index scan.
pub fn hot_rank(score: i64, created_at_ms: i64) -> f64 {
    let order = (score.unsigned_abs().max(1) as f64).log10();
    let sign = score.signum() as f64;
    let seconds = (created_at_ms / 1000 - EPOCH_SECONDS) as f64;
    // Rounded to 7 places so the value survives a round trip through any store
    // and through a pagination cursor unchanged.
    ((sign * order + seconds / DECAY_SECONDS) * 1e7).round() / 1e7
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sorts_and_windows() {
        assert_eq!(Sort::parse(None, None).unwrap(), Sort::Hot);
        assert_eq!(Sort::parse(Some("new"), None).unwrap(), Sort::New);
        assert_eq!(Sort::parse(Some("old"), None).unwrap(), Sort::Old);
        assert_eq!(Sort::parse(Some("active"), Some("")).unwrap(), Sort::Active);
        assert_eq!(
            Sort::parse(Some("top"), None).unwrap(),
            Sort::Top(TopWindow::All)
        );
        assert_eq!(
            Sort::parse(Some("top"), Some("week")).unwrap(),
            Sort::Top(TopWindow::Week)
        );
        assert!(Sort::parse(Some("best"), None).is_err());
        assert!(Sort::parse(Some("top"), Some("year")).is_err());
        assert!(Sort::parse(Some("new"), Some("day")).is_err());
    }

    #[test]
    fn windows_start_where_expected() {
        let now = 100 * DAY_MS;
        assert_eq!(TopWindow::Day.since(now), Some(99 * DAY_MS));
        assert_eq!(TopWindow::Month.since(now), Some(70 * DAY_MS));
        assert_eq!(TopWindow::All.since(now), None);
    }

    #[test]
    fn hot_rank_grows_with_score_and_with_recency() {
        let t = (EPOCH_SECONDS + 1_000_000) * 1000;
        assert!(hot_rank(10, t) > hot_rank(1, t));
        assert!(hot_rank(1, t) > hot_rank(-5, t));
        assert!(hot_rank(0, t + 3_600_000) > hot_rank(0, t));
        // A day-old thread with 100 points still beats a fresh one with none...
        assert!(hot_rank(100, t) > hot_rank(0, t + DAY_MS));
        // ...but not a fresh one with 10 (two decades in 24h > one decade of score).
        assert!(hot_rank(10, t + DAY_MS) > hot_rank(100, t));
    }

    #[test]
    fn hot_rank_is_stable_under_round_trip() {
        let r = hot_rank(7, 1_790_000_123_456);
        let back: f64 = r.to_string().parse().unwrap();
        assert_eq!(r, back);
    }
}
