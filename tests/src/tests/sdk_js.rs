//! The JavaScript SDK as its users get it: `dist/sdk/iamsmart-edge-<version>.tgz` installed
//! with npm into a fresh ES-module project and a fresh CommonJS project, bundled by esbuild
//! for Node and for browsers, and compiled against by TypeScript with `--strict`. Each
//! running variant completes login, profile, e-ME, signing and an anonymous flow, with their
//! callbacks, in plain and encrypted mode against a real sandbox through the SDK's client,
//! and (under Node) shows that every bad input gives a typed error; in Chromium, the browser
//! entry runs as served. The scripts are in `tests/sdk/`; TypeScript and esbuild come from its
//! lockfile (`cargo xtask test` runs `npm ci` there).

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context as _, bail};

use crate::{
    browser::Browser,
    sandbox::{ADMIN_TOKEN, DataDir, Sandbox},
    workspace_root,
};

#[tokio::test]
async fn sdk_tarball_works_in_esm_and_commonjs_projects_in_bundles_and_in_typescript()
-> anyhow::Result<()> {
    let root = workspace_root();
    let scripts = root.join("tests/sdk");
    let bin = scripts.join("node_modules/.bin");
    let tarball = tarball(&root.join("dist/sdk"))?;
    anyhow::ensure!(
        bin.join("tsc").exists() && bin.join("esbuild").exists(),
        "TypeScript and esbuild are missing from tests/sdk/node_modules: run `cargo xtask test` (or `npm ci` in tests/sdk)"
    );
    let sandbox = Sandbox::start().await?;
    let base = sandbox.url("");
    let work = DataDir::fresh()?;
    // A copy, so that a rebuild of dist/ meanwhile cannot take it away.
    let tarball = {
        let copy = work.path().join(tarball.file_name().context("tarball name")?);
        std::fs::copy(&tarball, &copy)?;
        copy
    };

    // A fresh ES-module project and a fresh CommonJS project, each installing the tarball.
    let esm = project(work.path(), "esm", "module", &tarball, &scripts)?;
    let cjs = project(work.path(), "cjs", "commonjs", &tarball, &scripts)?;
    let out = node(&esm, "main.mjs", &base, "esm").await?;
    assert!(out.contains("esm: backend node"), "{out}");
    quick_starts_run(&sandbox, &esm).await?;
    let out = node(&cjs, "main.cjs", &base, "cjs").await?;
    assert!(out.contains("cjs: backend node, resolved iamsmart-edge/cjs/node.cjs"), "{out}");

    // Bundles, run from a folder with no node_modules: for Node (node:crypto) and for
    // browsers (the WebAssembly core alone, loaded asynchronously).
    let bundles = work.path().join("bundles");
    std::fs::create_dir_all(&bundles)?;
    let esbuild = |entry: &str, platform: &str, out: &str| {
        run(Command::new(bin.join("esbuild"))
            .args([entry, "--bundle", "--format=esm", "--log-level=warning"])
            .arg(format!("--platform={platform}"))
            .args(["--external:node:http", "--external:node:crypto"])
            .arg(format!("--outfile={}", bundles.join(out).display()))
            .current_dir(&esm))
    };
    esbuild("main.mjs", "node", "node-bundle.mjs")?;
    esbuild("browser.mjs", "browser", "browser-bundle.mjs")?;
    let out = node(&bundles, "node-bundle.mjs", &base, "node-bundle").await?;
    assert!(out.contains("node-bundle: backend node"), "{out}");
    let out = node(&bundles, "browser-bundle.mjs", &base, "browser-bundle").await?;
    assert!(out.contains("browser-bundle: backend wasm"), "{out}");
    assert!(
        !std::fs::read_to_string(bundles.join("browser-bundle.mjs"))?.contains("createHmac"),
        "the browser bundle pulled in the Node backend"
    );

    // TypeScript, strict, without DOM or Node types, from ESM and from CommonJS.
    run(Command::new(bin.join("tsc"))
        .args(["--strict", "--noEmit", "--module", "nodenext", "--moduleResolution", "nodenext"])
        .args(["--target", "es2022", "--lib", "es2022", "types.ts", "types.cts"])
        .current_dir(&esm))?;
    sandbox.stop().await
}

#[test]
fn sdk_tarball_is_a_complete_package_without_compressed_copies() -> anyhow::Result<()> {
    let tarball = tarball(&workspace_root().join("dist/sdk"))?;
    let out = Command::new("tar").arg("tzf").arg(&tarball).output()?;
    let listing = String::from_utf8(out.stdout)?;
    for file in
        ["package.json", "README.md", "CHANGELOG.md", "LICENSE", "index.d.ts", "index.d.cts"]
    {
        assert!(
            listing.lines().any(|l| l == format!("package/{file}")),
            "{file} missing:\n{listing}"
        );
    }
    for entry in ["esm/node.js", "esm/browser.js", "cjs/node.cjs", "cjs/browser.cjs"] {
        assert!(listing.contains(&format!("package/{entry}\n")), "{entry} missing:\n{listing}");
    }
    assert!(!listing.contains(".br\n") && !listing.contains(".gz\n"), "{listing}");
    let out = Command::new("tar").arg("xzOf").arg(&tarball).arg("package/package.json").output()?;
    let manifest: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let name = tarball.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    assert_eq!(name, format!("iamsmart-edge-{}.tgz", manifest["version"].as_str().unwrap_or("?")));
    assert_eq!(manifest["license"], "MIT OR Apache-2.0");
    assert_eq!(manifest["types"], "./index.d.ts");
    assert!(manifest["engines"]["node"].is_string());
    for doc in [
        "crates/edge/npm/README.md",
        "content/en/guides/javascript-sdk.md",
        "content/zh-HK/guides/javascript-sdk.md",
    ] {
        let text = std::fs::read_to_string(workspace_root().join(doc))?;
        assert!(text.contains(&format!("/sdk/{name}")), "{doc} does not install {name}");
    }
    let root = &manifest["exports"]["."];
    assert_eq!(root["node"]["import"]["default"], "./esm/node.js");
    assert_eq!(root["node"]["require"]["default"], "./cjs/node.cjs");
    assert_eq!(root["browser"]["default"], "./esm/browser.js");
    Ok(())
}

/// The five-minute quick start of the package's README and of the guide (both languages), run
/// as written, with the sandbox's address and a free port for the callback server put in (the
/// port is added to the demo client's redirect URIs, as the documented one may be taken).
async fn quick_starts_run(sandbox: &Sandbox, project: &Path) -> anyhow::Result<()> {
    let root = workspace_root();
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let client = sandbox.url("/sandbox/admin/clients/edae2e2529ff46228af1e4d18c8405d1");
    let auth = format!("Bearer {ADMIN_TOKEN}");
    let current: serde_json::Value = serde_json::from_slice(
        &crate::http::get(&client, &[("authorization", &auth)]).await?.body,
    )?;
    let mut uris = current["redirectURIs"].as_array().context("redirectURIs")?.clone();
    uris.push(format!("http://localhost:{port}/callback").into());
    let patch = serde_json::json!({ "redirectURIs": uris }).to_string();
    let res = crate::http::request(
        hyper::Method::PUT,
        &client,
        &[("authorization", &auth), ("content-type", "application/json")],
        patch.into_bytes(),
    )
    .await?;
    anyhow::ensure!(res.status == 200, "PUT redirectURIs answered {}", res.status);
    for doc in [
        "crates/edge/npm/README.md",
        "content/en/guides/javascript-sdk.md",
        "content/zh-HK/guides/javascript-sdk.md",
    ] {
        let text = std::fs::read_to_string(root.join(doc))?;
        let code = text
            .split("```javascript\n")
            .skip(1)
            .filter_map(|rest| rest.split_once("```").map(|(code, _)| code))
            .find(|code| code.contains("server.listen(3000)"))
            .with_context(|| format!("no quick start in {doc}"))?
            .replace("http://127.0.0.1:8080", &sandbox.url(""))
            .replace("localhost:3000", &format!("localhost:{port}"))
            .replace("server.listen(3000)", &format!("server.listen({port})"));
        std::fs::write(project.join("quickstart.js"), code)?;
        let run =
            tokio::process::Command::new("node").arg("quickstart.js").current_dir(project).output();
        let out = tokio::time::timeout(std::time::Duration::from_secs(60), run)
            .await
            .with_context(|| format!("the quick start of {doc} did not finish in 60 s"))??;
        let stdout = String::from_utf8_lossy(&out.stdout);
        anyhow::ensure!(
            out.status.success()
                && stdout.contains("logged in, openID")
                && stdout.contains("callback D00000")
                && stdout.contains("K512783"),
            "the quick start of {doc} failed ({}):\n{stdout}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

#[test]
fn every_path_the_sdk_client_calls_is_in_the_catalogue() -> anyhow::Result<()> {
    use protocol::catalogue::{self, Method};

    let client = std::fs::read_to_string(workspace_root().join("crates/edge/npm/esm/client.js"))?;
    let paths: Vec<&str> = client.split('"').filter(|s| s.starts_with("/api/v1/")).collect();
    // The eight flows, three results, getKey, revokeKey, getToken and ackResult.
    assert_eq!(paths.len(), 15, "{paths:?}");
    for path in paths {
        assert!(
            catalogue::find(Method::Post, path).is_some(),
            "{path} is not a POST API of the catalogue"
        );
    }
    Ok(())
}

/// The one tarball in `dist/sdk/`.
fn tarball(dir: &Path) -> anyhow::Result<PathBuf> {
    let found: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("{} is missing: run `cargo xtask dist`", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "tgz"))
        .collect();
    match found.as_slice() {
        [one] => Ok(one.clone()),
        other => bail!("expected one SDK tarball in {}, found {other:?}", dir.display()),
    }
}

/// A fresh npm project of `kind` ("module" or "commonjs") with the tarball installed and the
/// test scripts copied in.
fn project(
    parent: &Path,
    name: &str,
    kind: &str,
    tarball: &Path,
    scripts: &Path,
) -> anyhow::Result<PathBuf> {
    let dir = parent.join(name);
    std::fs::create_dir_all(&dir)?;
    let manifest = format!(r#"{{"name":"sdk-test-{name}","private":true,"type":"{kind}"}}"#);
    std::fs::write(dir.join("package.json"), manifest)?;
    run(Command::new("npm")
        .args(["install", "--offline", "--no-audit", "--no-fund", "--loglevel=error"])
        .arg(tarball)
        .current_dir(&dir))?;
    for file in [
        "journey.mjs",
        "bad_inputs.mjs",
        "main.mjs",
        "main.cjs",
        "browser.mjs",
        "types.ts",
        "types.cts",
    ] {
        std::fs::copy(scripts.join(file), dir.join(file))?;
    }
    Ok(dir)
}

/// Runs `node script BASE ADMIN_TOKEN label` in `dir`; fails with its output unless it
/// exits 0. Returns its standard output.
async fn node(dir: &Path, script: &str, base: &str, label: &str) -> anyhow::Result<String> {
    let out = tokio::process::Command::new("node")
        .args([script, base, ADMIN_TOKEN, label])
        .current_dir(dir)
        .output()
        .await
        .context("node runs")?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        let failures: Vec<&str> = stdout.lines().filter(|l| !l.starts_with("PASS")).collect();
        bail!("{label} failed ({}):\n{}\n{stderr}", out.status, failures.join("\n"));
    }
    let summaries: Vec<&str> = stdout.lines().filter(|l| l.ends_with(" failed")).collect();
    assert!(
        !summaries.is_empty() && summaries.iter().all(|l| l.ends_with(" 0 failed")),
        "{label}: {stdout}"
    );
    Ok(stdout)
}

fn run(cmd: &mut Command) -> anyhow::Result<()> {
    let shown = format!("{cmd:?}");
    let out = cmd.output().with_context(|| format!("cannot run {shown}"))?;
    if !out.status.success() {
        bail!(
            "{shown} failed ({}):\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

/// In Chromium, the SDK's browser entry loaded as it is served (an ES module, no bundler), on
/// the WebAssembly core alone: `await ready`, then sign, seal and open, and unwrap a CEK that
/// the protocol crate wrapped, agreeing with the protocol crate; and a bad input is a typed
/// error there too.
const BROWSER_SCRIPT: &str = r#"
const [parts, pem, secretKey, done] = arguments;
(async () => {
  const sdk = await import("/sdk/iamsmart-edge/esm/browser.js");
  await sdk.ready;
  const cek = sdk.Kek.fromPem(pem).unwrap(secretKey);
  const sealed = sdk.encrypt(cek, "智方便 in the browser");
  let refused = "none";
  try { sdk.sign({ ...parts, timestamp: 1764316800 }); } catch (err) { refused = `${err.name} ${err.code} ${err.local}`; }
  return { backend: sdk.backend, signature: sdk.sign(parts), opened: sdk.decrypt(cek, sealed), cek: Array.from(cek), refused };
})().then(done, (err) => done({ error: String(err && err.stack) }));
"#;

#[tokio::test]
async fn sdk_browser_entry_runs_in_chromium() -> anyhow::Result<()> {
    use protocol::keys::{self, KekPrivateKey, Padding};
    use rand_chacha::{ChaCha20Rng, rand_core::SeedableRng};

    let sandbox = Sandbox::start().await?;
    let pem = std::fs::read_to_string(workspace_root().join("tests/data/crypto_interop_kek.pem"))?;
    let kek = KekPrivateKey::from_pem(&pem)?.kek();
    let cek = [7u8; 32];
    let secret_key =
        keys::wrap_cek(&kek, &cek, Padding::Pkcs1v15, &mut ChaCha20Rng::seed_from_u64(3))?;
    let parts = serde_json::json!({
        "clientId": "3f2a9c0e5b7d4e1f8a6c2b9d0e4f7a15",
        "clientSecret": "browser-secret",
        "timestamp": "1764316800123",
        "nonce": "n-1",
        "body": "{\"a\":1}",
    });
    let expected = protocol::sign(
        "browser-secret",
        &protocol::SignatureInput {
            client_id: "3f2a9c0e5b7d4e1f8a6c2b9d0e4f7a15",
            signature_method: "HmacSHA256",
            timestamp: "1764316800123",
            nonce: "n-1",
            body: b"{\"a\":1}",
        },
    );
    let url = sandbox.url("/");
    Browser::start()
        .await?
        .scenario("sdk_browser_entry", |c| async move {
            c.goto(&url).await?;
            let args = vec![parts, pem.into(), secret_key.into()];
            let res = c.execute_async(BROWSER_SCRIPT, args).await?;
            anyhow::ensure!(res["error"].is_null(), "the browser entry failed: {}", res["error"]);
            assert_eq!(res["backend"], "wasm");
            assert_eq!(res["signature"], expected.as_str());
            assert_eq!(res["opened"], "智方便 in the browser");
            assert_eq!(res["cek"], serde_json::json!(cek.to_vec()));
            assert_eq!(res["refused"], "IamSmartEdgeError BAD_TIMESTAMP true");
            Ok(())
        })
        .await?;
    sandbox.stop().await
}
