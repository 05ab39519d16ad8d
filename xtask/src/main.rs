//! `cargo xtask build-site [--release]`: builds the browser half of the app without
//! cargo-leptos — compile the wasm crate, generate its JavaScript glue with the pinned
//! wasm-bindgen library, and copy the stylesheet and public assets into the site folder.
//!
//! A release build also shrinks the wasm with `wasm-opt` (npm `binaryen`, installed under
//! `xtask/node` by `make wasm-opt`), gives the JavaScript, wasm and stylesheet content-hashed
//! names listed in `hash.txt` (which the server hands to Leptos), and writes `.gz` and `.br`
//! siblings that the server sends to browsers that accept them.
//!
//! `cargo xtask wasm-budget`: builds the release site and fails when its wasm, gzipped, is
//! over [`WASM_GZIP_BUDGET_KB`].

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const OUTPUT_NAME: &str = "cleared";
const WASM_CRATE: &str = "frontend";
const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// The most gzipped wasm a first page load may fetch, in kB (1000 bytes).
///
/// The issue's goal is 250. With Leptos islands only the `#[island]` components ship as wasm;
/// the release wasm measured 80.4 kB gzipped after wasm-opt -Oz (before islands: 488.9 kB).
/// This budget is that figure plus 5%, so the check catches growth: a new island that pulls
/// in a large piece of code (a client router, a server function's client) shows up here.
const WASM_GZIP_BUDGET_KB: u64 = 85;

/// Compressed siblings are written only for files at least this large; below it the
/// encoding's overhead eats the saving.
const COMPRESS_MIN_BYTES: u64 = 1024;

/// Hex digits of the content hash in a file name: `cleared.0123456789abcdef.wasm`. The server
/// recognises hashed names by a 16-digit hex segment and lets browsers cache them for a year.
const HASH_HEX_DIGITS: usize = 16;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("build-site") => build_site(args.iter().any(|a| a == "--release")).map(|_| ()),
        Some("wasm-budget") => wasm_budget(),
        _ => bail!("usage: cargo xtask build-site [--release] | cargo xtask wasm-budget"),
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("target"))
}

fn step(message: &str) {
    println!("==> {message}");
}

/// Sizes in kB of 1000 bytes, the unit of the issue's budget.
fn kb(bytes: u64) -> String {
    format!("{:.1} kB", bytes as f64 / 1000.0)
}

/// What a build produced, for reports.
struct Site {
    dir: PathBuf,
    /// The served wasm file.
    wasm: PathBuf,
}

fn build_site(release: bool) -> Result<Site> {
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
    let compiled_after = started.elapsed();
    let target_dir = target_dir(&root);
    let profile_dir = if release { "wasm-release" } else { "debug" };
    let wasm = target_dir
        .join(WASM_TARGET)
        .join(profile_dir)
        .join(format!("{WASM_CRATE}.wasm"));
    // Release and debug sites live apart, so `make run` and `make run RELEASE=1` (or the
    // budget check in `make test`) never overwrite each other's files.
    let site = target_dir.join(if release { "site-release" } else { "site" });
    let pkg = site.join("pkg");
    // Old hashed names and compressed siblings must not outlive the build that made them.
    if pkg.exists() {
        std::fs::remove_dir_all(&pkg).with_context(|| format!("emptying {}", pkg.display()))?;
    }
    remove_if_present(&site.join("hash.txt"))?;
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
    let js = pkg.join(format!("{OUTPUT_NAME}.js"));
    // Without LEPTOS_OUTPUT_NAME at compile time (cargo-leptos sets it), Leptos's hydration
    // script loads `pkg/<name>_bg.wasm`, which is what wasm-bindgen writes; with hashed names
    // it loads `pkg/<name>.<hash>.wasm`.
    let mut served_wasm = pkg.join(format!("{OUTPUT_NAME}_bg.wasm"));

    if release {
        optimise_wasm(&root, &served_wasm)?;
    }

    step("copying the stylesheet and public assets");
    let css = pkg.join(format!("{OUTPUT_NAME}.css"));
    std::fs::copy(root.join("style/main.css"), &css)?;
    copy_dir(&root.join("public"), &site)?;

    if release {
        step("naming the bundle after its content (hash.txt)");
        let mut hashes = String::new();
        for (key, file) in [
            ("js", js.clone()),
            ("wasm", served_wasm.clone()),
            ("css", css),
        ] {
            let (hash, hashed) = rename_to_hashed(&file, key)?;
            hashes.push_str(&format!("{key}: {hash}\n"));
            if key == "wasm" {
                served_wasm = hashed;
            }
        }
        std::fs::write(site.join("hash.txt"), hashes)?;

        step("writing gzip and brotli siblings of the site's files");
        let compress_started = Instant::now();
        compress_dir(&site)?;
        println!("    compressed in {:.1?}", compress_started.elapsed());
    }

    let size = std::fs::metadata(&served_wasm)?.len();
    step(&format!(
        "site ready in {} ({} of wasm) after {:.0?} (compiling took {:.0?})",
        site.display(),
        kb(size),
        started.elapsed(),
        compiled_after
    ));
    Ok(Site {
        dir: site,
        wasm: served_wasm,
    })
}

fn remove_if_present(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("removing {}", path.display()))
        }
        _ => Ok(()),
    }
}

/// The wasm-opt of npm's `binaryen` 132 under `xtask/node`. Debian's binaryen (108) writes wasm
/// that fails to hydrate, so a `wasm-opt` on PATH is never used.
fn wasm_opt(root: &Path) -> Result<PathBuf> {
    let node = root.join("xtask/node/node_modules");
    [".bin/wasm-opt", "binaryen/bin/wasm-opt"]
        .into_iter()
        .map(|candidate| node.join(candidate))
        .find(|path| path.is_file())
        .with_context(|| {
            format!(
                "wasm-opt is not installed under {}: run `make wasm-opt` \
                 (npm ci --prefix xtask/node installs binaryen 132.0.0 there)",
                node.display()
            )
        })
}

fn optimise_wasm(root: &Path, wasm: &Path) -> Result<()> {
    let tool = wasm_opt(root)?;
    let before = std::fs::metadata(wasm)?.len();
    step(&format!(
        "optimising the wasm with wasm-opt -Oz (binaryen 132); {} before",
        kb(before)
    ));
    let started = Instant::now();
    let optimised = wasm.with_extension("opt.wasm");
    let status = Command::new(&tool)
        .arg(wasm)
        .args([
            "-Oz",
            "--enable-bulk-memory",
            "--enable-nontrapping-float-to-int",
            "-o",
        ])
        .arg(&optimised)
        .status()
        .with_context(|| format!("running {}", tool.display()))?;
    if !status.success() {
        bail!("wasm-opt failed on {}", wasm.display());
    }
    std::fs::rename(&optimised, wasm)?;
    let after = std::fs::metadata(wasm)?.len();
    println!(
        "    {} -> {} in {:.1?}",
        kb(before),
        kb(after),
        started.elapsed()
    );
    Ok(())
}

/// Renames `pkg/cleared.js` (or `cleared_bg.wasm`, `cleared.css`) to
/// `pkg/cleared.<hash>.<ext>` and returns the hash and the new path.
fn rename_to_hashed(file: &Path, key: &str) -> Result<(String, PathBuf)> {
    let content = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let hash = hex::encode(Sha256::digest(&content));
    let hash = hash[..HASH_HEX_DIGITS].to_string();
    let hashed = file.with_file_name(format!("{OUTPUT_NAME}.{hash}.{key}"));
    std::fs::rename(file, &hashed)?;
    Ok((hash, hashed))
}

fn compress_dir(dir: &Path) -> Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            compress_dir(&path)?;
            continue;
        }
        let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if matches!(extension, "gz" | "br") || entry.metadata()?.len() < COMPRESS_MIN_BYTES {
            continue;
        }
        let content = std::fs::read(&path)?;
        let gzip = gzip(&content)?;
        let brotli = brotli(&content)?;
        for (encoded, suffix) in [(gzip, "gz"), (brotli, "br")] {
            // A sibling that is not smaller would only cost the browser time to decode it.
            if encoded.len() < content.len() {
                let mut name = path.clone().into_os_string();
                name.push(format!(".{suffix}"));
                std::fs::write(PathBuf::from(name), encoded)?;
            }
        }
    }
    Ok(())
}

fn gzip(content: &[u8]) -> Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(content)?;
    Ok(encoder.finish()?)
}

fn brotli(content: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        // Quality 11 (the best) and a 4 MiB window: slow to write, once per release build.
        let mut encoder = brotli::CompressorWriter::new(&mut out, 64 * 1024, 11, 22);
        encoder.write_all(content)?;
        encoder.flush()?;
    }
    Ok(out)
}

/// Builds the release site and checks the first load's wasm against the budget.
fn wasm_budget() -> Result<()> {
    let site = build_site(true)?;
    let raw = std::fs::metadata(&site.wasm)?.len();
    let sibling = |suffix: &str| {
        let mut name = site.wasm.clone().into_os_string();
        name.push(suffix);
        std::fs::metadata(PathBuf::from(name)).map(|m| m.len())
    };
    let gzipped = sibling(".gz").context("the release build wrote no .gz of the wasm")?;
    let brotli = sibling(".br").context("the release build wrote no .br of the wasm")?;
    let budget = WASM_GZIP_BUDGET_KB * 1000;
    println!(
        "wasm budget: {} raw, {} gzipped, {} brotli; budget {} kB gzipped (the goal is 250 kB) — {}",
        kb(raw),
        kb(gzipped),
        kb(brotli),
        WASM_GZIP_BUDGET_KB,
        site.dir.display()
    );
    if gzipped > budget {
        bail!(
            "the wasm is over budget: {} gzipped > {WASM_GZIP_BUDGET_KB} kB (WASM_GZIP_BUDGET_KB in xtask/src/main.rs)",
            kb(gzipped)
        );
    }
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
