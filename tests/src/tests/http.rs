//! The server over real HTTP: health, MIME types, SPA fallback, compression, configuration.

use anyhow::ensure;

use crate::{http::get, sandbox::Sandbox};

#[tokio::test]
async fn healthz_answers_ok() -> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    let res = get(&sandbox.url("/healthz"), &[]).await?;
    assert_eq!(res.status, 200);
    let json: serde_json::Value = serde_json::from_slice(&res.body)?;
    assert_eq!(json["status"], "ok");
    sandbox.stop().await
}

#[tokio::test]
async fn wasm_is_served_as_application_wasm_and_precompressed() -> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    let url = sandbox.url("/portal_bg.wasm");
    let plain = get(&url, &[]).await?;
    assert_eq!(plain.status, 200);
    assert_eq!(plain.header("content-type"), Some("application/wasm"));
    assert_eq!(&plain.body[..4], b"\0asm");
    for encoding in ["br", "gzip"] {
        let res = get(&url, &[("accept-encoding", encoding)]).await?;
        assert_eq!(res.status, 200);
        assert_eq!(res.header("content-encoding"), Some(encoding));
        assert_eq!(res.header("content-type"), Some("application/wasm"));
        ensure!(
            res.body.len() < plain.body.len() / 2,
            "{encoding} body is {} of {} bytes",
            res.body.len(),
            plain.body.len()
        );
    }
    let js = get(&sandbox.url("/portal.js"), &[]).await?;
    assert_eq!(js.header("content-type"), Some("text/javascript"));
    sandbox.stop().await
}

#[tokio::test]
async fn the_sdk_is_served_with_its_own_types() -> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    let ts = "application/typescript; charset=utf-8";
    for (path, mime) in [
        ("/sdk/iamsmart-edge/index.d.ts", ts),
        ("/sdk/iamsmart-edge/index.d.cts", ts),
        ("/sdk/iamsmart-edge/cjs/node.cjs", "text/javascript; charset=utf-8"),
        ("/sdk/iamsmart-edge/esm/node.js", "text/javascript"),
    ] {
        for encoding in ["identity", "br"] {
            let res = get(&sandbox.url(path), &[("accept-encoding", encoding)]).await?;
            assert_eq!(res.status, 200, "{path}");
            assert_eq!(res.header("content-type"), Some(mime), "{path} ({encoding})");
        }
    }
    sandbox.stop().await
}

#[tokio::test]
async fn client_routes_fall_back_to_index_html() -> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    let index = get(&sandbox.url("/"), &[]).await?;
    for path in ["/apis/signature", "/faq", "/no/such/route"] {
        let res = get(&sandbox.url(path), &[]).await?;
        assert_eq!(res.status, 200, "{path}");
        assert_eq!(res.header("content-type"), Some("text/html"), "{path}");
        assert_eq!(res.body, index.body, "{path}");
        assert_eq!(res.header("cache-control"), Some("no-cache"), "{path}");
    }
    let gz = get(&sandbox.url("/faq"), &[("accept-encoding", "gzip")]).await?;
    assert_eq!(gz.header("content-encoding"), Some("gzip"));
    sandbox.stop().await
}

#[tokio::test]
async fn search_files_are_cached_and_revalidated_without_a_body() -> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    for path in ["/search/search_wasm_bg.wasm", "/search/search_wasm.js", "/search/index.bin"] {
        let url = sandbox.url(path);
        let first = get(&url, &[("accept-encoding", "br, gzip")]).await?;
        assert_eq!(first.status, 200, "{path}");
        assert_eq!(first.header("cache-control"), Some("no-cache"), "{path}");
        let stamp = first.header("last-modified").map(str::to_owned);
        let stamp = stamp.ok_or_else(|| anyhow::anyhow!("{path}: no last-modified"))?;
        // The browser keeps the file and asks again with its date: nothing is sent back.
        let again =
            get(&url, &[("accept-encoding", "br, gzip"), ("if-modified-since", &stamp)]).await?;
        assert_eq!(again.status, 304, "{path}");
        assert!(again.body.is_empty(), "{path}");
    }
    sandbox.stop().await
}

#[tokio::test]
async fn missing_assets_are_404_not_the_app() -> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    for path in ["/missing.js", "/images/nothing.png", "/portal_bg.wasm.txt"] {
        assert_eq!(get(&sandbox.url(path), &[]).await?.status, 404, "{path}");
    }
    sandbox.stop().await
}

#[test]
fn config_rejects_a_folder_without_a_portal() {
    let args = server::Args::with_folders(
        "127.0.0.1:0".parse().unwrap(),
        "/nonexistent".into(),
        std::env::temp_dir(),
    );
    let err = args.validate().unwrap_err().to_string();
    assert!(err.contains("cargo xtask dist"), "{err}");
}
