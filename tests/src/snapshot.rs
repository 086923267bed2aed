//! Pinned outputs: a test compares what the server produced with a file
//! under `tests/snapshots/`, byte for byte, so a change to what we emit is a
//! reviewed change to that file. `GUILDHALL_UPDATE_SNAPSHOTS=1` rewrites the
//! file instead, after a deliberate change.

use std::path::Path;

/// Compares `produced` with `tests/snapshots/{name}` (or rewrites it when
/// asked). On a difference, writes what was produced to the temp dir and
/// panics naming both files; `what` names what was produced.
#[track_caller]
pub fn check(name: &str, produced: &str, what: &str) {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("snapshots")
        .join(name);
    if std::env::var_os("GUILDHALL_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&file, produced).unwrap();
        return;
    }
    let pinned = std::fs::read_to_string(&file).unwrap_or_default();
    if pinned != produced {
        let got = std::env::temp_dir().join(format!("guildhall-{name}"));
        std::fs::write(&got, produced).unwrap();
        panic!(
            "{what} differs from {}; it is in {} (diff them)",
            file.display(),
            got.display()
        );
    }
}
