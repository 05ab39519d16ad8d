//! The `cleared` command line: each command against a fresh SQLite file, errors as one line
//! with a non-zero exit.

use std::io::Write;
use std::process::{Command, Output, Stdio};

struct Cli {
    dir: std::path::PathBuf,
}

impl Cli {
    fn new() -> Cli {
        let dir =
            std::env::temp_dir().join(format!("cleared-cli-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        Cli { dir }
    }

    fn run(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cleared"))
            .args(args)
            .env(
                "CLEARED_DATABASE_URL",
                format!("sqlite://{}/cli.db?mode=rwc", self.dir.display()),
            )
            .env("CLEARED_LOG", "warn")
            .current_dir(&self.dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run cleared");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    fn ok(&self, args: &[&str], stdin: &str) -> String {
        let output = self.run(args, stdin);
        assert!(
            output.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    fn fails(&self, args: &[&str], stdin: &str) -> String {
        let output = self.run(args, stdin);
        assert!(!output.status.success(), "{args:?} should fail");
        let stderr = String::from_utf8(output.stderr).unwrap();
        let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error")).collect();
        assert_eq!(lines.len(), 1, "one clear error line: {stderr}");
        lines[0].to_string()
    }
}

impl Drop for Cli {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn people_are_managed_from_the_command_line() {
    let cli = Cli::new();
    assert!(cli.ok(&["migrate"], "").contains("up to date"));
    cli.ok(
        &[
            "user",
            "add",
            "--email",
            "Root@Example.com",
            "--name",
            "Root",
            "--role",
            "admin,employee",
        ],
        "a-long-password\n",
    );
    assert!(
        cli.fails(
            &[
                "user",
                "add",
                "--email",
                "root@example.com",
                "--name",
                "Twin"
            ],
            "a-long-password\n"
        )
        .contains("already exists")
    );
    assert!(
        cli.fails(
            &[
                "user",
                "add",
                "--email",
                "x@example.com",
                "--name",
                "X",
                "--role",
                "boss"
            ],
            "a-long-password\n"
        )
        .contains("unknown role")
    );
    assert!(
        cli.fails(
            &["user", "add", "--email", "x@example.com", "--name", "X"],
            ""
        )
        .contains("no password")
    );
    assert!(
        cli.fails(
            &["user", "add", "--email", "x@example.com", "--name", "X"],
            "short\n"
        )
        .contains("at least 10")
    );
    cli.ok(
        &["user", "add", "--email", "emp@example.com", "--name", "Emp"],
        "another-long-password\n",
    );
    assert!(
        cli.ok(
            &[
                "user",
                "roles",
                "--email",
                "emp@example.com",
                "--set",
                "trainer,compliance"
            ],
            ""
        )
        .contains("Roles of emp@example.com")
    );
    assert!(
        cli.fails(
            &[
                "user",
                "roles",
                "--email",
                "nobody@example.com",
                "--set",
                "trainer"
            ],
            ""
        )
        .contains("no person")
    );
    assert!(
        cli.fails(
            &[
                "user",
                "roles",
                "--email",
                "root@example.com",
                "--set",
                "employee"
            ],
            ""
        )
        .contains("last active administrator")
    );
    assert!(
        cli.ok(&["user", "deactivate", "--email", "emp@example.com"], "")
            .contains("Deactivated")
    );
    assert!(
        cli.ok(&["user", "reactivate", "--email", "emp@example.com"], "")
            .contains("Reactivated")
    );
}

#[test]
fn demo_seed_is_explicit_and_idempotent() {
    let cli = Cli::new();
    assert!(cli.fails(&["seed"], "").contains("--demo"));
    let first = cli.ok(&["seed", "--demo"], "");
    assert!(
        first.contains("40 people created")
            && first.contains("employee@example.com")
            && first.contains("cleared-demo"),
        "{first}"
    );
    let second = cli.ok(&["seed", "--demo"], "");
    assert!(
        second.contains("0 people created, 40 already present"),
        "{second}"
    );
}

#[test]
fn bad_configuration_is_one_line_and_non_zero() {
    let output = Command::new(env!("CARGO_BIN_EXE_cleared"))
        .arg("migrate")
        .env("CLEARED_ADDR", "not-an-address")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("CLEARED_ADDR"));
}
