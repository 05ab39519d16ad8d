//! PostgreSQL variants of the tests are compiled as ignored when no server is configured, so
//! a run without PostgreSQL reports them as skipped instead of counting them as passed.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(postgres_configured)");
    println!("cargo::rerun-if-env-changed=CLEARED_TEST_POSTGRES_URL");
    if std::env::var("CLEARED_TEST_POSTGRES_URL").is_ok_and(|url| !url.is_empty()) {
        println!("cargo::rustc-cfg=postgres_configured");
    }
}
