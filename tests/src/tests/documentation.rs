//! Executed documentation: every HTTP exchange the README, the guides and Things to Know show,
//! in both languages, checked on paper and replayed against a fresh server (see `docs.rs`).
//!
//! `IAMS_DOCS_BLESS=1 cargo test -p tests documentation` rewrites the exchanges from a live run
//! instead (English first, then the same blocks into the Chinese page), for when the mock
//! changed on purpose; `IAMS_DOCS_BLESS=signing` rewrites only the pages whose path contains
//! `signing`.

use crate::{
    docs::{self, Block, Message, Rewrites, Runner},
    sandbox::Sandbox,
    workspace_root,
};

/// The pages whose exchanges are executed, in groups that run on one fresh server each, as
/// paths under `content/en` (the Chinese page has the same path under `content/zh-HK`).
/// The three guides are one story: the form-filling and signing guides use the login of the
/// authentication guide.
fn groups() -> anyhow::Result<Vec<Vec<String>>> {
    const STORY: [&str; 3] = ["authentication.md", "form-filling.md", "signing.md"];
    let mut out = vec![vec!["README.md".to_owned()]];
    out.push(STORY.iter().map(|n| format!("content/en/guides/{n}")).collect());
    for section in ["guides", "things-to-know"] {
        let dir = workspace_root().join("content/en").join(section);
        let mut names: Vec<String> = std::fs::read_dir(&dir)?
            .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
            .filter(|n| n.ends_with(".md"))
            .filter(|n| !(section == "guides" && STORY.contains(&n.as_str())))
            .collect();
        names.sort();
        out.extend(names.into_iter().map(|n| vec![format!("content/en/{section}/{n}")]));
    }
    Ok(out)
}

struct Page {
    path: String,
    text: String,
    blocks: Vec<Block>,
    messages: Vec<Message>,
}

impl Page {
    fn read(path: &str) -> anyhow::Result<Page> {
        let text = std::fs::read_to_string(workspace_root().join(path))?;
        let blocks = docs::blocks(&text);
        let messages = docs::messages(&blocks);
        Ok(Page { path: path.to_owned(), text, blocks, messages })
    }

    /// The blocks that make up its exchanges, in order: each message and its opened block.
    fn exchange_blocks(&self) -> Vec<usize> {
        self.messages.iter().flat_map(|m| std::iter::once(m.block).chain(m.opened)).collect()
    }

    fn write(&self, rewrites: &Rewrites) -> anyhow::Result<()> {
        let text = docs::apply(&self.text, &self.blocks, rewrites);
        std::fs::write(workspace_root().join(&self.path), text)?;
        Ok(())
    }
}

#[tokio::test]
async fn every_documented_exchange_holds_on_paper_and_against_the_mock() -> anyhow::Result<()> {
    // `IAMS_DOCS_BLESS=1` rewrites every page; any other value only the pages whose path
    // contains it (the others still run, so later pages get their values).
    let bless_filter = std::env::var("IAMS_DOCS_BLESS").ok();
    let mut problems = Vec::new();
    let mut exchanges = 0;
    for group in groups()? {
        let mut sandbox = None;
        let mut runner = None;
        for path in group {
            let page = Page::read(&path)?;
            let twin = match path.strip_prefix("content/en/") {
                Some(rest) => Some(Page::read(&format!("content/zh-HK/{rest}"))?),
                None => None,
            };
            exchanges += page.messages.len();
            let bless = bless_filter.as_deref().is_some_and(|f| f == "1" || path.contains(f));
            if !bless {
                problems.extend(docs::check(&path, &page.blocks, &page.messages));
                if let Some(twin) = &twin {
                    let text = |p: &Page| -> Vec<String> {
                        p.exchange_blocks().iter().map(|&i| p.blocks[i].text.clone()).collect()
                    };
                    let (ours, theirs) = (text(&page), text(twin));
                    if ours != theirs {
                        problems.push(format!(
                            "{}: the exchanges differ from the English page's ({} blocks here, {} there)",
                            twin.path,
                            theirs.len(),
                            ours.len()
                        ));
                    }
                }
            }
            if page.messages.is_empty() {
                continue;
            }
            if sandbox.is_none() {
                let started = Sandbox::start().await?;
                runner = Some(Runner::new(format!("http://{}", started.addr), false));
                sandbox = Some(started);
            }
            let Some(runner) = runner.as_mut() else { continue };
            runner.bless = bless;
            problems.extend(runner.run(&path, &page.blocks, &page.messages).await);
            let rewrites = runner.take_rewrites();
            if bless {
                page.write(&rewrites)?;
                if let Some(twin) = &twin {
                    problems.extend(bless_twin(&page, twin, &rewrites)?);
                }
            }
        }
        if let Some(sandbox) = sandbox {
            sandbox.stop().await?;
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems in the documented exchanges:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(
        exchanges >= 40,
        "only {exchanges} documented messages: did the parser lose the guides?"
    );
    Ok(())
}

/// Writes the English page's exchange blocks into the Chinese page, block for block.
fn bless_twin(page: &Page, twin: &Page, rewrites: &Rewrites) -> anyhow::Result<Vec<String>> {
    let (ours, theirs) = (page.exchange_blocks(), twin.exchange_blocks());
    if ours.len() != theirs.len() {
        return Ok(vec![format!(
            "{}: {} exchange blocks, the English page has {}",
            twin.path,
            theirs.len(),
            ours.len()
        )]);
    }
    let text = |o: usize| rewrites.get(&o).cloned().unwrap_or_else(|| page.blocks[o].text.clone());
    let rewrites: Rewrites = ours.iter().zip(&theirs).map(|(&o, &t)| (t, text(o))).collect();
    twin.write(&rewrites)?;
    Ok(Vec::new())
}

/// The quick start's commands, pasted in order into `bash` (one shell per mode), end with a
/// profile: the callback `cargo xtask sign --open` prints holds the persona's `idNo`.
#[tokio::test]
async fn the_quick_start_ends_with_a_profile_in_both_modes() -> anyhow::Result<()> {
    let page = std::fs::read_to_string(workspace_root().join("content/en/guides/quick-start.md"))?;
    let readme = std::fs::read_to_string(workspace_root().join("README.md"))?;
    // The Chinese page runs the same commands.
    let twin =
        std::fs::read_to_string(workspace_root().join("content/zh-HK/guides/quick-start.md"))?;
    let bash = |text: &str| -> Vec<String> {
        docs::blocks(text).into_iter().filter(|b| b.lang == "bash").map(|b| b.text).collect()
    };
    anyhow::ensure!(
        bash(&page) == bash(&twin),
        "the quick start's commands differ between languages"
    );
    let sandbox = Sandbox::start().await?;
    let host = sandbox.addr.to_string();
    for (mode, from, to) in [
        ("plain", "## Plain mode", "## Encrypted mode"),
        ("encrypted", "## Encrypted mode", "## What next"),
    ] {
        let section = page
            .split_once(from)
            .and_then(|(_, rest)| rest.split_once(to))
            .map(|(section, _)| section)
            .ok_or_else(|| anyhow::anyhow!("no {from} section"))?;
        let script: String = docs::blocks(section)
            .into_iter()
            .filter(|b| b.lang == "bash")
            .map(|b| b.text + "\n")
            .collect();
        // The README shows the same commands.
        for line in script.lines() {
            anyhow::ensure!(
                readme.contains(line),
                "README.md lacks the quick start's line {line:?}"
            );
        }
        let script = script
            .replace("127.0.0.1:8080", &host)
            .replace("127.0.0.1%3A8080", &host.replace(':', "%3A"));
        let out = tokio::process::Command::new("bash")
            .args(["-euo", "pipefail", "-c", &script])
            .current_dir(workspace_root())
            .env("IAMS_BASE_URL", sandbox.url(""))
            .output()
            .await?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        anyhow::ensure!(out.status.success(), "the {mode} quick start failed:\n{stdout}\n{stderr}");
        anyhow::ensure!(
            stdout.contains("\"Identification\": \"K512783\""),
            "the {mode} quick start printed no profile:\n{stdout}\n{stderr}"
        );
    }
    sandbox.stop().await
}
