//! `dist/sdk/`: the JavaScript SDK, `iamsmart-edge`, as an npm package.
//!
//! The package's source is `crates/edge/npm/`: `package.json`, the README, changelog,
//! licence and TypeScript declarations, and the JavaScript layer in `esm/` (ES modules). This
//! step adds what is generated, then packs it:
//!
//! 1. wasm-bindgen's `web` glue for `edge.wasm` becomes `esm/glue.js`, and the module itself
//!    `esm/bytes.js`, inlined as Base64, so that no entry point has to find a file at run time
//!    (`__dirname` and `import.meta.url` both break inside bundles);
//! 2. every ES module in `esm/` gets a CommonJS twin in `cjs/`, by rewriting its one-line
//!    `import` and `export` statements (the only module syntax the sources may use; anything
//!    else fails the build);
//! 3. `npm pack` writes `dist/sdk/iamsmart-edge-<version>.tgz`.
//!
//! The unpacked folder stays in `dist/sdk/iamsmart-edge/` (vendorable, and served by the
//! portal); the packing happens before `dist/` gets its `.br`/`.gz` siblings, and the
//! `files` list of `package.json` keeps them out of any later pack.

use std::{
    fmt::Write as _,
    fs,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context as _, bail};
use base64::{Engine as _, engine::general_purpose::STANDARD};

use crate::tools;

/// The package's name, which is also the stem of the tarball.
pub(crate) const NAME: &str = "iamsmart-edge";

/// Builds the package folder and its tarball into `dist/sdk/`; returns the tarball's path.
pub(crate) fn build(root: &Path, dist: &Path, edge_wasm: &Path) -> anyhow::Result<PathBuf> {
    let src = root.join("crates/edge/npm");
    let out = dist.join("sdk");
    let pkg = out.join(NAME);
    if out.exists() {
        fs::remove_dir_all(&out).with_context(|| format!("cannot clear {}", out.display()))?;
    }
    fs::create_dir_all(pkg.join("esm"))?;
    fs::create_dir_all(pkg.join("cjs"))?;
    for entry in fs::read_dir(&src).with_context(|| format!("cannot read {}", src.display()))? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            fs::copy(entry.path(), pkg.join(entry.file_name()))?;
        }
    }
    for entry in fs::read_dir(src.join("esm"))? {
        let entry = entry?;
        fs::copy(entry.path(), pkg.join("esm").join(entry.file_name()))?;
    }

    // One set of declarations for both module systems (`.d.cts` is how TypeScript reads them
    // for `require`).
    fs::copy(pkg.join("index.d.ts"), pkg.join("index.d.cts"))?;
    let (glue, wasm) = bindgen(root, edge_wasm)?;
    fs::write(pkg.join("esm/glue.js"), glue)?;
    let bytes = format!(
        "// The WebAssembly core (crates/edge), inlined so bundles need no file beside them.\n\
         export const wasmBase64 = \"{}\";\n",
        STANDARD.encode(&wasm)
    );
    fs::write(pkg.join("esm/bytes.js"), bytes)?;

    for entry in fs::read_dir(pkg.join("esm"))? {
        let path = entry?.path();
        let name = path.file_stem().and_then(|s| s.to_str()).context("file name")?.to_owned();
        let text = fs::read_to_string(&path)?;
        let cjs = to_commonjs(&text).with_context(|| format!("in {}", path.display()))?;
        fs::write(pkg.join("cjs").join(format!("{name}.cjs")), cjs)?;
    }
    pack(&pkg, &out)
}

/// Runs wasm-bindgen (`web` flavour, no default module path, no declarations: the package
/// has its own) on `edge.wasm`; returns the glue's text and the processed module.
fn bindgen(root: &Path, edge_wasm: &Path) -> anyhow::Result<(String, Vec<u8>)> {
    let tmp = tools::target_dir(root).join("sdk-bindgen");
    if tmp.exists() {
        fs::remove_dir_all(&tmp)?;
    }
    fs::create_dir_all(&tmp)?;
    let mut bindgen = wasm_bindgen_cli_support::Bindgen::new();
    bindgen
        .input_path(edge_wasm)
        .web(true)?
        .typescript(false)
        .omit_default_module_path(true)
        .remove_name_section(true)
        .remove_producers_section(true)
        .generate(&tmp)
        .with_context(|| format!("wasm-bindgen failed on {}", edge_wasm.display()))?;
    let glue = fs::read_to_string(tmp.join("edge.js"))?;
    let wasm = fs::read(tmp.join("edge_bg.wasm"))?;
    Ok((glue, wasm))
}

/// `npm pack`s `pkg` into `out`; returns the tarball's path.
fn pack(pkg: &Path, out: &Path) -> anyhow::Result<PathBuf> {
    let manifest: serde_json::Value = serde_json::from_slice(&fs::read(pkg.join("package.json"))?)
        .context("package.json is not JSON")?;
    let version = manifest["version"].as_str().context("package.json has no version")?;
    let npm = Command::new("npm")
        .args(["pack", "--silent", "--pack-destination"])
        .arg(out)
        .current_dir(pkg)
        .output()
        .context("npm is needed to pack the SDK (it comes with Node.js)")?;
    if !npm.status.success() {
        bail!("npm pack failed: {}", String::from_utf8_lossy(&npm.stderr));
    }
    let tarball = out.join(format!("{NAME}-{version}.tgz"));
    let size =
        fs::metadata(&tarball).with_context(|| format!("{} is missing", tarball.display()))?;
    eprintln!("xtask: packed {} ({} bytes)", tarball.display(), size.len());
    Ok(tarball)
}

/// Rewrites an ES module into CommonJS.
///
/// Only the forms the package's sources use are understood, each on one line starting at
/// column 0: `import { a, b as c } from "./x.js";`, `import * as ns from "node:x";`,
/// `export function`, `export async function`, `export class`, `export const`,
/// `export { a, b };` and `export default a;`. Relative `.js` specifiers become `.cjs`.
/// Any other module syntax (a multi-line import, `import.meta`, a default import) is an
/// error, so a source the rewrite does not understand never ships half-converted.
pub(crate) fn to_commonjs(esm: &str) -> anyhow::Result<String> {
    let mut body = String::from("\"use strict\";\n");
    let mut exports: Vec<(String, String)> = Vec::new();
    for (n, line) in esm.lines().enumerate() {
        let at = || format!("line {}: {line}", n + 1);
        if line.contains("import.meta") {
            bail!("import.meta has no CommonJS equivalent ({})", at());
        }
        if let Some(rest) = line.strip_prefix("import ") {
            let (what, from) = rest
                .strip_suffix(';')
                .and_then(|r| r.split_once(" from "))
                .with_context(|| format!("unsupported import ({})", at()))?;
            let spec = from.trim_matches('"');
            let spec = match spec.strip_suffix(".js") {
                Some(stem) if spec.starts_with("./") => format!("{stem}.cjs"),
                _ => spec.to_owned(),
            };
            let binding = if let Some(ns) = what.strip_prefix("* as ") {
                ns.to_owned()
            } else if let Some(list) = what.strip_prefix('{').and_then(|w| w.strip_suffix('}')) {
                let names: Vec<String> =
                    list.split(',').map(|n| n.trim().replace(" as ", ": ")).collect();
                format!("{{ {} }}", names.join(", "))
            } else {
                bail!("only named and namespace imports are supported ({})", at());
            };
            writeln!(body, "const {binding} = require(\"{spec}\");")?;
        } else if let Some(rest) = line.strip_prefix("export ") {
            if let Some(list) = rest.strip_prefix('{').and_then(|r| r.strip_suffix("};")) {
                for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                    let (local, public) = name.split_once(" as ").unwrap_or((name, name));
                    exports.push((public.to_owned(), local.to_owned()));
                }
            } else if let Some(name) = rest.strip_prefix("default ") {
                let name = name.strip_suffix(';').context("export default needs a `;`")?;
                exports.push(("default".into(), name.to_owned()));
            } else {
                let decl = ["function ", "async function ", "class ", "const ", "let "]
                    .iter()
                    .find_map(|kw| rest.strip_prefix(kw))
                    .with_context(|| format!("unsupported export ({})", at()))?;
                let name: String = decl
                    .chars()
                    .skip_while(|c| *c == '*' || c.is_whitespace())
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '$')
                    .collect();
                exports.push((name.clone(), name));
                body.push_str(rest);
                body.push('\n');
            }
        } else {
            body.push_str(line);
            body.push('\n');
        }
    }
    for (public, local) in exports {
        writeln!(body, "exports.{public} = {local};")?;
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::to_commonjs;

    #[test]
    fn imports_and_exports_become_require_and_exports() {
        let esm = "import { a, b as c } from \"./x.js\";\nimport * as nc from \"node:crypto\";\n\
                   export function f() {}\nexport class K {}\nexport const v = 1;\n\
                   function g() {}\nexport { g as h };\nexport default g;\n";
        let cjs = to_commonjs(esm).expect("converts");
        assert!(cjs.contains("const { a, b: c } = require(\"./x.cjs\");"), "{cjs}");
        assert!(cjs.contains("const nc = require(\"node:crypto\");"), "{cjs}");
        assert!(cjs.contains("\nfunction f() {}\nclass K {}\nconst v = 1;\n"), "{cjs}");
        for line in ["exports.f = f;", "exports.K = K;", "exports.v = v;", "exports.h = g;"] {
            assert!(cjs.contains(line), "{line} missing in {cjs}");
        }
        assert!(cjs.contains("exports.default = g;"), "{cjs}");
    }

    #[test]
    fn unknown_module_syntax_is_refused() {
        assert!(to_commonjs("const u = new URL(\"x\", import.meta.url);").is_err());
        assert!(to_commonjs("import x from \"./x.js\";").is_err());
        assert!(to_commonjs("import {\n a } from \"./x.js\";").is_err());
        assert!(to_commonjs("export * from \"./x.js\";").is_err());
    }
}
