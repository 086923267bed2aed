//! Reviews: a `reviews` group has products, kept by its moderators; a
//! thread there is a member's review of one product, with a rating of one
//! to five stars. One review per member and product (they edit it later).

use crate::RuleError;
use crate::kinds::GroupKind;
use crate::permissions::Actor;
use serde_json::Value;

/// Stars, one to five.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rating(u8);

impl Rating {
    pub const MAX: u8 = 5;

    /// A rating as a client sends it: a whole number from 1 to 5 (`3.5`,
    /// `"4"`, `0` and `6` are refused, naming the rule).
    pub fn from_json(value: &Value) -> Result<Rating, RuleError> {
        value
            .as_i64()
            .ok_or(())
            .and_then(|n| Rating::new(n).map_err(|_| ()))
            .map_err(|_| {
                RuleError::invalid("rating", "must be a whole number of stars from 1 to 5")
            })
    }

    pub fn new(stars: i64) -> Result<Rating, RuleError> {
        match u8::try_from(stars) {
            Ok(s @ 1..=Rating::MAX) => Ok(Rating(s)),
            _ => Err(RuleError::invalid(
                "rating",
                "must be a whole number of stars from 1 to 5",
            )),
        }
    }

    pub fn stars(self) -> u8 {
        self.0
    }

    /// `★★★★☆`, as a text shows it.
    pub fn glyphs(self) -> String {
        let filled = usize::from(self.0);
        "★".repeat(filled) + &"☆".repeat(usize::from(Rating::MAX) - filled)
    }
}

/// How a product's reviews rate it: how many gave each number of stars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Distribution {
    /// `counts[0]` one star ... `counts[4]` five.
    pub counts: [i64; 5],
}

impl Distribution {
    pub fn count(&self) -> i64 {
        self.counts.iter().sum()
    }

    /// The mean rating, rounded to one decimal; `None` without reviews.
    pub fn average(&self) -> Option<f64> {
        let count = self.count();
        if count == 0 {
            return None;
        }
        let sum: i64 = self
            .counts
            .iter()
            .enumerate()
            .map(|(i, c)| (i as i64 + 1) * c)
            .sum();
        Some((sum as f64 / count as f64 * 10.0).round() / 10.0)
    }

    /// The share of reviews with `stars` stars, in whole percent.
    pub fn percent(&self, stars: u8) -> i64 {
        let count = self.count();
        if count == 0 || !(1..=Rating::MAX).contains(&stars) {
            return 0;
        }
        (self.counts[usize::from(stars) - 1] * 100 + count / 2) / count
    }
}

/// Whether `actor` may add or change products in a group of `kind`.
pub fn may_manage_products(
    kind: GroupKind,
    actor: Actor,
    moderates: bool,
) -> Result<(), RuleError> {
    if kind != GroupKind::Reviews {
        return Err(RuleError::invalid(
            "group",
            format!("only reviews groups have products; this is a {kind} group"),
        ));
    }
    if !moderates && !actor.is_admin {
        return Err(RuleError::Forbidden(
            "only the group's moderators manage its products".into(),
        ));
    }
    Ok(())
}

/// A product's name: one line, 1 to 100 characters.
pub fn product_name(input: &str) -> Result<String, RuleError> {
    let name = input.trim();
    if name.is_empty() || name.chars().count() > 100 || name.contains(['\n', '\r']) {
        return Err(RuleError::invalid(
            "name",
            "must be one line of 1 to 100 characters",
        ));
    }
    Ok(name.to_owned())
}

/// An optional link of a product (its image, its page): empty, or an
/// http(s) URL.
pub fn product_link(field: &'static str, input: &str) -> Result<Option<String>, RuleError> {
    let link = input.trim();
    if link.is_empty() {
        return Ok(None);
    }
    let ok = url::Url::parse(link)
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
    if !ok || link.len() > 2000 {
        return Err(RuleError::invalid(field, "must be an http(s) URL"));
    }
    Ok(Some(link.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ratings_are_whole_stars_from_one_to_five() {
        for ok in 1..=5 {
            assert_eq!(Rating::from_json(&json!(ok)).unwrap().stars(), ok as u8);
        }
        for bad in [
            json!(0),
            json!(6),
            json!(3.5),
            json!("4"),
            json!(null),
            json!(-1),
        ] {
            let err = Rating::from_json(&bad).unwrap_err().to_string();
            assert_eq!(
                err, "invalid rating: must be a whole number of stars from 1 to 5",
                "{bad}"
            );
        }
        assert_eq!(Rating::new(4).unwrap().glyphs(), "★★★★☆");
    }

    #[test]
    fn the_distribution_gives_the_average_and_shares() {
        let d = Distribution {
            counts: [1, 0, 0, 1, 2],
        };
        assert_eq!(d.count(), 4);
        assert_eq!(d.average(), Some(3.8)); // (1 + 4 + 10) / 4 = 3.75
        assert_eq!(d.percent(5), 50);
        assert_eq!(d.percent(1), 25);
        assert_eq!(Distribution::default().average(), None);
    }

    #[test]
    fn products_are_named_and_linked_sensibly() {
        assert_eq!(product_name("  Acme P-100 ").unwrap(), "Acme P-100");
        assert!(product_name("").is_err());
        assert!(product_name(&"x".repeat(101)).is_err());
        assert_eq!(product_link("image_url", "").unwrap(), None);
        assert!(product_link("image_url", "javascript:alert(1)").is_err());
        assert!(
            product_link("link_url", "https://acme.example/p100")
                .unwrap()
                .is_some()
        );
    }
}
