//! `cargo xtask build-site [--release]`: builds the browser half of the app without
//! cargo-leptos — compile the wasm crate, generate its JavaScript glue with the pinned
//! wasm-bindgen library, and copy the stylesheet and public assets into `target/site`.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const OUTPUT_NAME: &str = "cleared";
const WASM_CRATE: &str = "frontend";
const WASM_TARGET: &str = "wasm32-unknown-unknown";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("build-site") => build_site(args.iter().any(|a| a == "--release")),
        _ => bail!("usage: cargo xtask build-site [--release]"),
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

fn step(message: &str) {
    println!("==> {message}");
}

fn build_site(release: bool) -> Result<()> {
    let root = workspace_root();
    let started = Instant::now();
    let profile = if release { "wasm-release" } else { "dev" };
    step(&format!(
        "compiling the browser bundle ({WASM_CRATE}, profile {profile}); the first build takes several minutes"
    ));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(&root)
        .args([
            "build",
            "-p",
            WASM_CRATE,
            "--lib",
            "--target",
            WASM_TARGET,
            "--profile",
            profile,
        ])
        .status()
        .context("running cargo")?;
    if !status.success() {
        bail!("compiling the browser bundle failed");
    }
    let target_dir = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("target"));
    let profile_dir = if release { "wasm-release" } else { "debug" };
    let wasm = target_dir
        .join(WASM_TARGET)
        .join(profile_dir)
        .join(format!("{WASM_CRATE}.wasm"));
    let site = target_dir.join("site");
    let pkg = site.join("pkg");
    std::fs::create_dir_all(&pkg)?;

    step("generating JavaScript bindings (wasm-bindgen 0.2.130)");
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&wasm)
        .out_name(OUTPUT_NAME)
        .web(true)?
        .debug(!release)
        .keep_debug(false)
        .typescript(false)
        .generate(&pkg)
        .with_context(|| format!("wasm-bindgen on {}", wasm.display()))?;

    step("copying the stylesheet and public assets");
    std::fs::copy(
        root.join("style/main.css"),
        pkg.join(format!("{OUTPUT_NAME}.css")),
    )?;
    copy_dir(&root.join("public"), &site)?;

    // Without LEPTOS_OUTPUT_NAME at compile time (cargo-leptos sets it), Leptos's hydration
    // script loads `pkg/<name>_bg.wasm`, which is what wasm-bindgen writes.
    let size = std::fs::metadata(pkg.join(format!("{OUTPUT_NAME}_bg.wasm")))?.len();
    step(&format!(
        "site ready in {} ({} KiB of wasm) after {:.0?}",
        site.display(),
        size / 1024,
        started.elapsed()
    ));
    Ok(())
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    if !from.exists() {
        return Ok(());
    }
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let destination = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            std::fs::create_dir_all(&destination)?;
            copy_dir(&entry.path(), &destination)?;
        } else {
            std::fs::copy(entry.path(), destination)?;
        }
    }
    Ok(())
}
