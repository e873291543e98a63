//! The OpenAPI document generated from the catalogue passes Python's `openapi-spec-validator`.

#[test]
fn openapi_document_passes_openapi_spec_validator() -> anyhow::Result<()> {
    let doc = protocol::openapi::document("https://sandbox.example.com");
    let path = std::env::temp_dir().join(format!("iams-openapi-{}.json", std::process::id()));
    std::fs::write(&path, serde_json::to_vec_pretty(&doc)?)?;
    let out = std::process::Command::new("python3")
        .args(["-m", "openapi_spec_validator"])
        .arg(&path)
        .output();
    let _ = std::fs::remove_file(&path);
    let out = out.map_err(|err| {
        anyhow::anyhow!("cannot run python3 (`cargo xtask test` installs it): {err}")
    })?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.trim_end().ends_with(": OK"),
        "openapi-spec-validator rejected the document ({}); `pip install openapi-spec-validator` \
         if it is missing\n{stdout}\n{stderr}",
        out.status
    );
    Ok(())
}
