//! Ranks: titles held from a number of points on.

use super::rules::RankRule;

/// The highest rank `points` reach (the first rank below 0 points too).
/// `ranks` are validated: non-empty, rising, the first at 0.
pub fn rank_for(ranks: &[RankRule], points: i64) -> &RankRule {
    ranks
        .iter()
        .rev()
        .find(|r| points >= r.points)
        .unwrap_or(&ranks[0])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reputation::Rules;

    #[test]
    fn titles_by_points() {
        let ranks = Rules::default().ranks;
        let title = |p| rank_for(&ranks, p).title.as_str();
        assert_eq!(title(-20), "Newcomer");
        assert_eq!(title(0), "Newcomer");
        assert_eq!(title(49), "Newcomer");
        assert_eq!(title(50), "Member");
        assert_eq!(title(999), "Contributor");
        assert_eq!(title(1_000), "Expert");
        assert_eq!(title(1_000_000), "Champion");
    }
}
