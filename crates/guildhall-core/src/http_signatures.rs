//! Which HTTP signature scheme a delivery is signed with, instance by
//! instance: "double-knocking", as Fedify and Mastodon do it.
//!
//! Nearly every server verifies draft-cavage signatures, and some newer ones
//! also (or only) RFC 9421 HTTP Message Signatures. A server cannot say in
//! advance which it takes, so a sender tries one and, when the answer says
//! the signature was not accepted, once more with the other; what worked is
//! remembered for that instance so later deliveries go out right the first
//! time.

/// An HTTP signature scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureScheme {
    /// draft-cavage-http-signatures-12: one `Signature` header (Mastodon,
    /// Lemmy, GoToSocial, Misskey, Pleroma…).
    Cavage,
    /// RFC 9421: `Signature-Input` and `Signature`, with a `Content-Digest`.
    Rfc9421,
}

impl SignatureScheme {
    /// How the scheme is stored.
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureScheme::Cavage => "draft-cavage",
            SignatureScheme::Rfc9421 => "rfc9421",
        }
    }

    /// The stored name back; anything else is unknown (`None`).
    pub fn parse(stored: &str) -> Option<SignatureScheme> {
        match stored {
            "draft-cavage" => Some(SignatureScheme::Cavage),
            "rfc9421" => Some(SignatureScheme::Rfc9421),
            _ => None,
        }
    }

    pub fn other(self) -> SignatureScheme {
        match self {
            SignatureScheme::Cavage => SignatureScheme::Rfc9421,
            SignatureScheme::Rfc9421 => SignatureScheme::Cavage,
        }
    }
}

/// The scheme of the first try: the one remembered for the instance, else
/// draft-cavage, which nearly every server verifies (Mastodon makes the
/// same choice; a server that took only RFC 9421 answers 401 and gets the
/// second knock).
pub fn first_knock(remembered: Option<SignatureScheme>) -> SignatureScheme {
    remembered.unwrap_or(SignatureScheme::Cavage)
}

/// Whether an answer of `status` calls for a second knock with the other
/// scheme. 401 always: the receiver did not authenticate the request. 400
/// only while the instance's scheme is not known: some servers answer a
/// signature they cannot read with 400, but one known to verify ours that
/// answers 400 is refusing the activity itself (Lemmy does for shapes it
/// does not take), and signing it another way would only send it twice.
/// Anything else (403 of a block, 5xx, 2xx) says nothing about the scheme.
pub fn knock_again(remembered: Option<SignatureScheme>, status: u16) -> bool {
    status == 401 || (status == 400 && remembered.is_none())
}

/// What to remember after a try with `used` was answered `status`: the
/// scheme, when the request went through (2xx) and it is not already what
/// is remembered. A refusal teaches nothing for sure, so nothing is kept.
pub fn to_remember(
    remembered: Option<SignatureScheme>,
    used: SignatureScheme,
    status: u16,
) -> Option<SignatureScheme> {
    ((200..300).contains(&status) && remembered != Some(used)).then_some(used)
}

#[cfg(test)]
mod tests {
    use super::SignatureScheme::{Cavage, Rfc9421};
    use super::*;

    #[test]
    fn stored_names_round_trip() {
        for scheme in [Cavage, Rfc9421] {
            assert_eq!(SignatureScheme::parse(scheme.as_str()), Some(scheme));
            assert_eq!(scheme.other().other(), scheme);
        }
        assert_eq!(SignatureScheme::parse("hs2019"), None);
    }

    /// An unknown instance gets draft-cavage; one that took RFC 9421 gets
    /// that first from then on.
    #[test]
    fn first_knock_is_what_is_remembered() {
        assert_eq!(first_knock(None), Cavage);
        assert_eq!(first_knock(Some(Rfc9421)), Rfc9421);
        assert_eq!(first_knock(Some(Cavage)), Cavage);
    }

    #[test]
    fn only_signature_refusals_knock_again() {
        for remembered in [None, Some(Cavage), Some(Rfc9421)] {
            assert!(knock_again(remembered, 401));
            for status in [200, 202, 403, 404, 410, 422, 429, 500, 503] {
                assert!(!knock_again(remembered, status), "{status}");
            }
        }
        assert!(knock_again(None, 400));
        assert!(!knock_again(Some(Cavage), 400));
        assert!(!knock_again(Some(Rfc9421), 400));
    }

    #[test]
    fn what_went_through_is_remembered_once() {
        assert_eq!(to_remember(None, Cavage, 202), Some(Cavage));
        assert_eq!(to_remember(Some(Cavage), Rfc9421, 200), Some(Rfc9421));
        assert_eq!(to_remember(Some(Rfc9421), Rfc9421, 202), None);
        assert_eq!(to_remember(None, Rfc9421, 401), None);
        assert_eq!(to_remember(Some(Cavage), Rfc9421, 500), None);
    }
}
