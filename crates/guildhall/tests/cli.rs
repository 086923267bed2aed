//! The operator's CLI, run as the real binary against a real SQLite file.

use std::process::{Command, Output};

fn guildhall(db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_guildhall"))
        .args(args)
        .env("GUILDHALL_DATABASE__URL", db)
        .env("GUILDHALL_LOG__LEVEL", "warn")
        .env_remove("GUILDHALL_CONFIG")
        .current_dir(std::env::temp_dir())
        .output()
        .expect("the guildhall binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn federation_policies_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("g.db").display());

    let out = guildhall(&db, &["admin", "federation", "list"]);
    assert!(out.status.success(), "{out:?}");
    assert!(stdout(&out).contains("no known instances"));

    let out = guildhall(
        &db,
        &["admin", "federation", "block", "https://Spam.Example/"],
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        stdout(&out).trim(),
        "spam.example: block (applies at once to a running server)"
    );
    let out = guildhall(
        &db,
        &["admin", "federation", "allow", "partner.example:8443"],
    );
    assert!(out.status.success(), "{out:?}");

    let list = stdout(&guildhall(&db, &["admin", "federation", "list"]));
    let row = |domain: &str| {
        list.lines()
            .find(|l| l.starts_with(domain))
            .unwrap_or_else(|| panic!("{domain} not listed:\n{list}"))
            .split_whitespace()
            .take(4)
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(row("spam.example"), "spam.example block 0 0");
    assert_eq!(
        row("partner.example:8443"),
        "partner.example:8443 allow 0 0"
    );

    let out = guildhall(&db, &["admin", "federation", "clear", "spam.example"]);
    assert_eq!(stdout(&out).trim(), "spam.example: policy cleared");
    let list = stdout(&guildhall(&db, &["admin", "federation", "list"]));
    assert!(
        list.lines()
            .any(|l| l.starts_with("spam.example") && l.contains(" - ")),
        "{list}"
    );

    // A bad domain is an error with a reason, and a non-zero exit.
    let out = guildhall(&db, &["admin", "federation", "block", "not a domain"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("invalid domain"), "{err}");
}

/// A variable with one underscore where two belong is not read; the binary
/// says so and names the one meant, and passes the tests' own variables by.
#[test]
fn a_mistyped_environment_variable_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("g.db").display());
    let out = Command::new(env!("CARGO_BIN_EXE_guildhall"))
        .args(["migrate"])
        .env("GUILDHALL_DATABASE__URL", &db)
        .env("GUILDHALL_LOG__LEVEL", "warn")
        .env("GUILDHALL_SERVER_LISTEN", "127.0.0.1:9000")
        .env("GUILDHALL_TEST_POSTGRES_URL", "postgres://not-config")
        .env_remove("GUILDHALL_CONFIG")
        .current_dir(std::env::temp_dir())
        .output()
        .expect("the guildhall binary runs");
    assert!(out.status.success(), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("GUILDHALL_SERVER_LISTEN is not read")
            && err.contains("did you mean GUILDHALL_SERVER__LISTEN"),
        "{err}"
    );
    assert!(!err.contains("GUILDHALL_TEST_POSTGRES_URL"), "{err}");
}

#[test]
fn groups_of_each_kind_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("g.db").display());
    let out = guildhall(
        &db,
        &[
            "admin",
            "create-user",
            "ann",
            "--admin",
            "--password",
            "a long enough password",
        ],
    );
    assert!(out.status.success(), "{out:?}");

    let out = guildhall(
        &db,
        &[
            "admin",
            "create-group",
            "help",
            "--title",
            "Help",
            "--owner",
            "ann",
            "--kind",
            "questions",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        stdout(&out).trim(),
        "created group help (Help, a questions group), moderated by ann"
    );
    let out = guildhall(
        &db,
        &[
            "admin",
            "create-group",
            "chat",
            "--title",
            "Chat",
            "--owner",
            "ann",
        ],
    );
    assert!(stdout(&out).contains("a discussion group"), "{out:?}");

    let out = guildhall(
        &db,
        &[
            "admin",
            "create-group",
            "odd",
            "--title",
            "Odd",
            "--owner",
            "ann",
            "--kind",
            "forum",
        ],
    );
    assert!(!out.status.success(), "an unknown kind is refused: {out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("kind") && err.contains("discussion, questions, ideas or reviews"),
        "{err}"
    );
}
