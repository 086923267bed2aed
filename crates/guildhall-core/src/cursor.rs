//! Opaque pagination cursors: the sort key and id of the last item seen.
//!
//! Keyset pagination (`WHERE (key, id) < (last_key, last_id)`) stays correct
//! while new threads arrive and costs an index seek, unlike OFFSET.

use crate::RuleError;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SortKey {
    Int(i64),
    Float(f64),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cursor {
    pub key: SortKey,
    pub id: i64,
}

impl Cursor {
    pub fn encode(&self) -> String {
        let raw = match self.key {
            // Floats travel as their bit pattern so the value comes back exactly.
            SortKey::Float(f) => format!("f.{:x}.{}", f.to_bits(), self.id),
            SortKey::Int(i) => format!("i.{}.{}", i, self.id),
        };
        URL_SAFE_NO_PAD.encode(raw)
    }

    pub fn decode(s: &str) -> Result<Self, RuleError> {
        let bad = || RuleError::invalid("cursor", "not a cursor this server issued");
        let bytes = URL_SAFE_NO_PAD.decode(s.trim()).map_err(|_| bad())?;
        let raw = String::from_utf8(bytes).map_err(|_| bad())?;
        let mut parts = raw.splitn(3, '.');
        let (kind, key, id) = (parts.next(), parts.next(), parts.next());
        let id: i64 = id.and_then(|v| v.parse().ok()).ok_or_else(bad)?;
        let key = match (kind, key) {
            (Some("i"), Some(k)) => SortKey::Int(k.parse().map_err(|_| bad())?),
            (Some("f"), Some(k)) => {
                let f = f64::from_bits(u64::from_str_radix(k, 16).map_err(|_| bad())?);
                if !f.is_finite() {
                    return Err(bad());
                }
                SortKey::Float(f)
            }
            _ => return Err(bad()),
        };
        Ok(Cursor { key, id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for c in [
            Cursor {
                key: SortKey::Int(-42),
                id: 7,
            },
            Cursor {
                key: SortKey::Int(1_790_000_000_000),
                id: 1,
            },
            Cursor {
                key: SortKey::Float(123.456_789_1),
                id: 99,
            },
        ] {
            assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
        }
    }

    #[test]
    fn rejects_garbage() {
        for s in [
            "",
            "!!!",
            "aGVsbG8",
            &URL_SAFE_NO_PAD.encode("f.7ff0000000000000.1"),
            &URL_SAFE_NO_PAD.encode("i.x.1"),
        ] {
            assert!(Cursor::decode(s).is_err(), "{s}");
        }
    }
}
