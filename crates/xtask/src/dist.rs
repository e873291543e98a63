//! `dist/`: the portal as static files.
//!
//! 1. `cargo build --profile wasm --target wasm32-unknown-unknown -p portal` (opt-level z,
//!    fat LTO, one codegen unit, panic=abort).
//! 2. wasm-bindgen, linked as a library at the exact version of the `wasm-bindgen` crate, writes
//!    `portal.js` and `portal_bg.wasm` (`--target web`, name and producers sections removed);
//!    the JavaScript SDK (`edge`) becomes the npm package `sdk/iamsmart-edge-<version>.tgz`
//!    and its unpacked folder `sdk/iamsmart-edge/` (see `sdk`).
//! 3. `web/` (index.html, styles, icons) is copied next to them, and the knowledge base (pages,
//!    images, search index and search WASM, see `search`) is built into `kb/`, `assets/` and
//!    `search/`.
//! 4. If npm's binaryen is installed (`npm i binaryen`), `wasm-opt -Oz` shrinks the module.
//!    Debian's binaryen is never used: its wasm-opt breaks wasm-bindgen's output.
//! 5. Every text and wasm file gets `.br` and `.gz` siblings, which the server (and most static
//!    hosts) serve directly.

use std::{
    fs,
    io::Write as _,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::Context as _;

use crate::tools;

const COMPRESSIBLE: &[&str] =
    &["wasm", "js", "cjs", "ts", "cts", "css", "html", "svg", "json", "txt", "bin"];

/// Builds `dist/` and prints the size of every file, raw and compressed.
pub(crate) fn build(root: &Path) -> anyhow::Result<PathBuf> {
    tools::ensure_wasm_target()?;
    tools::cargo(&[
        "build",
        "--profile",
        "wasm",
        "--target",
        tools::WASM_TARGET,
        "--package",
        "portal",
        "--package",
        "edge",
    ])?;
    let wasm_dir = tools::target_dir(root).join(tools::WASM_TARGET).join("wasm");
    let dist = root.join("dist");
    if dist.exists() {
        fs::remove_dir_all(&dist).with_context(|| format!("cannot clear {}", dist.display()))?;
    }
    fs::create_dir_all(&dist)?;

    bindgen(&wasm_dir.join("portal.wasm"), &dist)?;
    // The JavaScript SDK for e-services, packed before anything gets compressed siblings.
    crate::sdk::build(root, &dist, &wasm_dir.join("edge.wasm"))?;

    copy_dir(&root.join("web"), &dist)?;
    crate::search::build(root, &dist)?;
    wasm_opt(root, &dist.join("portal_bg.wasm"))?;
    precompress(&dist)?;
    report(&dist)?;
    Ok(dist)
}

/// Runs wasm-bindgen (`--target web`) on `wasm`, writing `<name>.js` and `<name>_bg.wasm`.
fn bindgen(wasm: &Path, out: &Path) -> anyhow::Result<()> {
    fs::create_dir_all(out)?;
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(wasm)
        .web(true)?
        .typescript(false)
        .omit_default_module_path(false)
        .remove_name_section(true)
        .remove_producers_section(true)
        .generate(out)
        .with_context(|| format!("wasm-bindgen failed on {}", wasm.display()))
}

fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    for entry in fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            fs::create_dir_all(&target)?;
            copy_dir(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

fn wasm_opt(root: &Path, wasm: &Path) -> anyhow::Result<()> {
    let bin = root.join("node_modules/.bin/wasm-opt");
    if !bin.exists() {
        return Ok(());
    }
    eprintln!("xtask: shrinking {} with npm binaryen", wasm.display());
    let out = wasm.with_extension("opt.wasm");
    tools::run(
        Command::new(&bin)
            .args(["-Oz", "--enable-bulk-memory", "--enable-nontrapping-float-to-int"])
            .args(["--enable-sign-ext", "--enable-reference-types", "--enable-multivalue"])
            .arg(wasm)
            .arg("-o")
            .arg(&out),
    )?;
    fs::rename(out, wasm)?;
    Ok(())
}

fn files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut res = Vec::new();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            res.extend(files(&path)?);
        } else {
            res.push(path);
        }
    }
    res.sort();
    Ok(res)
}

fn precompress(dist: &Path) -> anyhow::Result<()> {
    for path in files(dist)? {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !COMPRESSIBLE.contains(&ext) {
            continue;
        }
        let data = fs::read(&path)?;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&data)?;
        fs::write(append_ext(&path, "gz"), gz.finish()?)?;
        let mut br = Vec::new();
        {
            let mut w = brotli::CompressorWriter::new(&mut br, 64 * 1024, 11, 22);
            w.write_all(&data)?;
        }
        fs::write(append_ext(&path, "br"), br)?;
    }
    Ok(())
}

fn append_ext(path: &Path, ext: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

fn report(dist: &Path) -> anyhow::Result<()> {
    let size = |p: &Path| fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let mut first_load = (0, 0, 0);
    eprintln!("xtask: built {}", dist.display());
    eprintln!("  {:<40} {:>10} {:>10} {:>10}", "file", "raw", "gzip", "brotli");
    for path in files(dist)? {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if ext == "gz" || ext == "br" {
            continue;
        }
        let (raw, gz, br) =
            (size(&path), size(&append_ext(&path, "gz")), size(&append_ext(&path, "br")));
        let name = path.strip_prefix(dist).unwrap_or(&path).display().to_string();
        // The shell: what every page loads before it shows anything (wasm-bindgen's inline JS
        // snippets are imported by portal.js).
        let shell =
            matches!(name.as_str(), "portal_bg.wasm" | "portal.js" | "index.html" | "style.css");
        if shell || name.starts_with("snippets/") {
            first_load = (first_load.0 + raw, first_load.1 + gz, first_load.2 + br);
        }
        eprintln!("  {name:<40} {raw:>10} {gz:>10} {br:>10}");
    }
    let (raw, gz, br) = first_load;
    eprintln!("  {:<40} {raw:>10} {gz:>10} {br:>10}", "first load (shell)");
    Ok(())
}
