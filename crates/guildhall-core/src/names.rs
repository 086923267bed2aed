//! Usernames and group names: what they may look like.
//!
//! Both are `[a-z0-9_]`, 1–30 characters. Input is folded to lower case first,
//! so `Alice` registers as `alice` and the names stay unique case-insensitively
//! (the store keeps them lower case behind a UNIQUE index).

use crate::RuleError;

pub const NAME_MAX: usize = 30;
/// Password lengths, in characters.
pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 256;

/// Names that would collide with routes, or that users would mistake for staff.
const RESERVED: &[&str] = &[
    "admin",
    "administrator",
    "api",
    "guildhall",
    "inbox",
    "instance",
    "login",
    "logout",
    "moderator",
    "new",
    "register",
    "root",
    "settings",
    "static",
    "system",
];

/// Normalizes and checks a username. Returns the stored form.
pub fn username(input: &str) -> Result<String, RuleError> {
    name("username", input)
}

/// Normalizes and checks a group name. Returns the stored form.
pub fn group_name(input: &str) -> Result<String, RuleError> {
    name("group name", input)
}

fn name(field: &'static str, input: &str) -> Result<String, RuleError> {
    let folded = input.trim().to_ascii_lowercase();
    if folded.is_empty() {
        return Err(RuleError::invalid(field, "must not be empty"));
    }
    if folded.chars().count() > NAME_MAX {
        return Err(RuleError::invalid(
            field,
            format!("must be at most {NAME_MAX} characters"),
        ));
    }
    if let Some(bad) = folded
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_'))
    {
        return Err(RuleError::invalid(
            field,
            format!("may only contain a-z, 0-9 and _ (found {bad:?})"),
        ));
    }
    if RESERVED.contains(&folded.as_str()) {
        return Err(RuleError::invalid(
            field,
            format!("\"{folded}\" is reserved"),
        ));
    }
    Ok(folded)
}

/// Passwords: long enough to matter, short enough that hashing stays cheap.
pub fn password(input: &str) -> Result<(), RuleError> {
    let n = input.chars().count();
    if n < PASSWORD_MIN {
        return Err(RuleError::invalid(
            "password",
            "must be at least 8 characters",
        ));
    }
    if n > PASSWORD_MAX {
        return Err(RuleError::invalid(
            "password",
            "must be at most 256 characters",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_and_accepts_the_allowed_alphabet() {
        assert_eq!(username("Alice_99").unwrap(), "alice_99");
        assert_eq!(group_name("support").unwrap(), "support");
        assert_eq!(username("a").unwrap(), "a");
        assert_eq!(username(&"x".repeat(30)).unwrap(), "x".repeat(30));
    }

    #[test]
    fn rejects_empty_long_and_foreign_characters() {
        assert!(username("").is_err());
        assert!(username("   ").is_err());
        assert!(username(&"x".repeat(31)).is_err());
        for bad in ["al ice", "alice!", "alice-b", "élise", "a.b", "a@b"] {
            assert!(username(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn rejects_reserved_names() {
        assert!(username("Admin").is_err());
        assert!(group_name("api").is_err());
    }

    #[test]
    fn password_length_bounds() {
        assert!(password("short").is_err());
        assert!(password("long enough").is_ok());
        assert!(password(&"p".repeat(257)).is_err());
    }
}
