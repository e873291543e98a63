//! A client outside Rust: `tests/python/iamsmart_client.py`, written from the API reference
//! with `requests` and `cryptography`, runs every flow and refusal against a real server.

use crate::{
    sandbox::{ADMIN_TOKEN, Sandbox},
    workspace_root,
};

#[tokio::test]
async fn python_client_completes_every_flow_in_both_modes() -> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    let script = workspace_root().join("tests/python/iamsmart_client.py");
    let out = tokio::process::Command::new("python3")
        .arg(&script)
        .args(["--base", &sandbox.url(""), "--admin-token", ADMIN_TOKEN])
        .output()
        .await
        .map_err(|err| {
            anyhow::anyhow!("cannot run python3 (`cargo xtask test` installs it): {err}")
        })?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the Python client failed ({}); `pip install requests cryptography` if they are missing\n{stdout}\n{stderr}",
        out.status
    );
    assert!(stdout.contains("24 passed, 0 failed"), "{stdout}");
    sandbox.stop().await
}

#[tokio::test]
async fn python_client_runs_as_the_well_known_demo_clients_without_the_admin_token()
-> anyhow::Result<()> {
    let sandbox = Sandbox::start().await?;
    let script = workspace_root().join("tests/python/iamsmart_client.py");
    // Twice: a second run on the same server needs fresh businessIDs, nonces and timestamps.
    for _ in 0..2 {
        let out = tokio::process::Command::new("python3")
            .arg(&script)
            .args(["--base", &sandbox.url(""), "--demo"])
            .output()
            .await?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "the Python client failed ({})\n{stdout}\n{stderr}",
            out.status
        );
        assert!(stdout.contains("22 passed, 0 failed"), "{stdout}");
    }
    sandbox.stop().await
}
