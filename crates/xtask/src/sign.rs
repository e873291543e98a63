//! `cargo xtask sign`: the quick start's signing helper, for curl users.
//!
//! It prints a ready-to-run curl command for a signed POST (pipe it to `sh`), sealing the
//! body first for the encrypted demo client; `--open` decrypts an answer, a callback or the
//! newest callback of an inbox listing; `--pick a.b` prints one field of JSON on standard
//! input. The well-known demo clients (`protocol::demo`) need no secret or key file.

use std::io::Read as _;

use anyhow::{Context as _, bail};
use protocol::{
    content,
    demo::{self, DemoClient},
    headers::signed_headers,
    keys::{KekPrivateKey, Padding},
};
use serde_json::Value;

pub const USAGE: &str = "\
usage:
  cargo xtask sign [options] <plain|encrypted|clientID> <path> [body]   print a signed curl command (pipe it to sh)
  cargo xtask sign --open [--key <secretKey>] [json]                    decrypt an answer, a callback or an inbox listing
  cargo xtask sign --pick <field.path> [json]                           print one field (JSON from stdin when not given)

options:
  --key <secretKey>    encrypted mode: the secretKey of getKey's answer (unwrapped with the demo KEK, or --kek)
  --kek <file>         your private KEK (PEM) instead of the published demo key
  --secret <secret>    the client secret (default: the well-known demo client's)
  --base <url>         the sandbox (default $IAMS_BASE_URL, else http://127.0.0.1:8080)
  -H <header>          an extra header, e.g. -H 'X-Sandbox-Auto: approve'
  --timestamp <ms> --nonce <text> --iv <24 hex digits>   fixed values instead of fresh ones (reproducible samples)
  --print              print the request (headers and body) instead of a curl command";

/// Runs `cargo xtask sign` with its arguments.
pub fn main(args: &[String]) -> anyhow::Result<()> {
    if args.is_empty() || args.iter().any(|a| a == "-h" || a == "--help") {
        #[allow(clippy::print_stdout)]
        {
            println!("{USAGE}");
        }
        return Ok(());
    }
    let opts = Options::parse(args)?;
    let out = match opts.action {
        Action::Open => open(&opts, &input(opts.positional.first())?)?,
        Action::Pick(ref path) => pick(&input(opts.positional.first())?, path)?,
        Action::Sign => sign(&opts)?,
    };
    #[allow(clippy::print_stdout)]
    {
        println!("{out}");
    }
    Ok(())
}

#[derive(Debug, Default)]
enum Action {
    #[default]
    Sign,
    Open,
    Pick(String),
}

#[derive(Debug, Default)]
struct Options {
    action: Action,
    key: Option<String>,
    kek: Option<String>,
    secret: Option<String>,
    base: Option<String>,
    headers: Vec<String>,
    timestamp: Option<u64>,
    nonce: Option<String>,
    iv: Option<[u8; 12]>,
    print: bool,
    positional: Vec<String>,
}

impl Options {
    fn parse(args: &[String]) -> anyhow::Result<Options> {
        let mut opts = Options::default();
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let mut value = || it.next().cloned().with_context(|| format!("{arg} needs a value"));
            match arg.as_str() {
                "--open" => opts.action = Action::Open,
                "--pick" => opts.action = Action::Pick(value()?),
                "--key" => opts.key = Some(value()?),
                "--kek" => opts.kek = Some(value()?),
                "--secret" => opts.secret = Some(value()?),
                "--base" => opts.base = Some(value()?),
                "-H" | "--header" => opts.headers.push(value()?),
                "--timestamp" => opts.timestamp = Some(value()?.parse().context("--timestamp")?),
                "--nonce" => opts.nonce = Some(value()?),
                "--iv" => opts.iv = Some(parse_iv(&value()?)?),
                "--print" => opts.print = true,
                flag if flag.starts_with("--") => bail!("unknown option {flag}\n\n{USAGE}"),
                _ => opts.positional.push(arg.clone()),
            }
        }
        Ok(opts)
    }

    /// The private KEK: `--kek`, or the published demo key.
    fn private_kek(&self) -> anyhow::Result<KekPrivateKey> {
        let pem = match &self.kek {
            Some(path) => {
                std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?
            }
            None => demo::KEK_PRIVATE_PEM.to_owned(),
        };
        KekPrivateKey::from_pem(&pem).map_err(|err| anyhow::anyhow!("not a private RSA key: {err}"))
    }

    /// The CEK unwrapped from `--key`.
    fn cek(&self) -> anyhow::Result<Option<[u8; 32]>> {
        let Some(key) = &self.key else { return Ok(None) };
        let cek = self.private_kek()?.unwrap_cek(key.trim(), Padding::Pkcs1v15);
        cek.map(Some).map_err(|_| {
            anyhow::anyhow!(
                "--key does not unwrap with this KEK: pass the secretKey of getKey's answer"
            )
        })
    }
}

/// A signed POST as a curl command, or as the request itself with `--print`.
fn sign(opts: &Options) -> anyhow::Result<String> {
    let [who, path, rest @ ..] = opts.positional.as_slice() else {
        bail!("which client and which path?\n\n{USAGE}");
    };
    let known: Option<DemoClient> = match who.as_str() {
        "plain" => Some(demo::PLAIN),
        "encrypted" => Some(demo::ENCRYPTED),
        id => demo::client(id),
    };
    let client_id = known.map_or(who.as_str(), |c| c.client_id);
    let secret = match (&opts.secret, known) {
        (Some(secret), _) => secret.as_str(),
        (None, Some(c)) => c.secret,
        (None, None) => bail!("{client_id} is not a demo client: give its secret with --secret"),
    };
    let business = rest.first().map_or("", String::as_str);
    let body = match opts.cek()? {
        Some(cek) => {
            let value: Value = serde_json::from_str(business).context("the body is not JSON")?;
            let iv = match opts.iv {
                Some(iv) => iv,
                None => random()?,
            };
            let sealed = content::encrypt(&cek, iv, value.to_string().as_bytes());
            serde_json::json!({ "content": sealed }).to_string()
        }
        None if known.is_some_and(|c| c.mode == content::ContentMode::Encrypted)
            && !business.is_empty() =>
        {
            bail!(
                "the encrypted client seals its body with the CEK: run getKey first and pass its content.secretKey with --key"
            )
        }
        None => business.to_owned(),
    };
    let timestamp = match opts.timestamp {
        Some(ts) => ts,
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .context("the clock is before 1970")?
            .as_millis()
            .try_into()?,
    };
    let nonce = match &opts.nonce {
        Some(nonce) => nonce.clone(),
        None => hex(&random::<16>()?),
    };
    let signed = signed_headers(client_id, secret, timestamp, &nonce, body.as_bytes());
    let env_base = std::env::var("IAMS_BASE_URL").ok();
    let base = opts.base.as_deref().or(env_base.as_deref()).unwrap_or("http://127.0.0.1:8080");
    let base = base.trim_end_matches('/');
    let mut headers: Vec<String> = vec!["Content-Type: application/json".into()];
    headers.extend(signed.iter().map(|(name, value)| format!("{name}: {value}")));
    headers.extend(opts.headers.iter().cloned());
    if opts.print {
        let host = base.split("://").nth(1).unwrap_or(base);
        let mut out = format!("POST {path} HTTP/1.1\nHost: {host}\n");
        for header in &headers {
            out.push_str(header);
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&body);
        return Ok(out);
    }
    let mut out = format!("curl -sS -X POST {}", quote(&format!("{base}{path}")));
    for header in &headers {
        out.push_str(&format!(" -H {}", quote(header)));
    }
    out.push_str(&format!(" --data-raw {}; echo", quote(&body)));
    Ok(out)
}

/// Decrypts `content`: of an envelope with `--key`, of a callback with its own `secretKey`, or
/// of the newest callback in an inbox listing.
fn open(opts: &Options, text: &str) -> anyhow::Result<String> {
    let mut value: Value = serde_json::from_str(text).context("not JSON")?;
    if let Value::Array(entries) = &value {
        let newest = entries.iter().find(|e| e["method"] == "POST");
        let body =
            newest.and_then(|e| e["body"].as_str()).context("no callback in this inbox yet")?;
        value = serde_json::from_str(body).context("the callback is not JSON")?;
    }
    let cek = match (value["secretKey"].as_str(), opts.cek()?) {
        (Some(wrapped), _) => {
            Some(opts.private_kek()?.unwrap_cek(wrapped, Padding::Pkcs1v15).map_err(|_| {
                anyhow::anyhow!("the callback's secretKey does not unwrap with this KEK")
            })?)
        }
        (None, cek) => cek,
    };
    if let (Some(sealed), Some(cek)) = (value["content"].as_str(), cek) {
        let clear = content::decrypt(&cek, sealed)
            .map_err(|_| anyhow::anyhow!("content does not decrypt with this key"))?;
        value["content"] = serde_json::from_slice(&clear).context("the content is not JSON")?;
    }
    Ok(serde_json::to_string_pretty(&value)?)
}

/// One field of `text`, by a dotted path; strings print without quotes.
fn pick(text: &str, path: &str) -> anyhow::Result<String> {
    let mut value: Value = serde_json::from_str(text).context("not JSON")?;
    for part in path.split('.') {
        value = value.get(part).cloned().with_context(|| format!("no field {path}"))?;
    }
    Ok(match value {
        Value::String(text) => text,
        other => other.to_string(),
    })
}

/// The argument, or standard input.
fn input(arg: Option<&String>) -> anyhow::Result<String> {
    match arg {
        Some(text) => Ok(text.clone()),
        None => {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text)?;
            Ok(text)
        }
    }
}

fn parse_iv(text: &str) -> anyhow::Result<[u8; 12]> {
    let bytes: Vec<u8> = (0..text.len())
        .step_by(2)
        .map(|i| text.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect::<Option<_>>()
        .context("--iv must be 24 hex digits")?;
    bytes.try_into().map_err(|_| anyhow::anyhow!("--iv must be 24 hex digits"))
}

fn random<const N: usize>() -> anyhow::Result<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|err| anyhow::anyhow!("no randomness: {err}"))?;
    Ok(bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `text` in single quotes for sh.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_fixed_request_reproduces_the_worked_example() {
        let opts = Options::parse(&args(&[
            "encrypted",
            "/api/v1/security/getKey",
            "--timestamp",
            "1735689598000",
            "--nonce",
            "0b1e3f7a2c5d4e8f9a6b1c2d3e4f5a60",
            "--print",
        ]))
        .unwrap();
        let out = sign(&opts).unwrap();
        assert!(
            out.contains("signature: uDmF%2B0shRLD0FNVOZBgN2PJf%2BijlJfYrWKFNz1uVDuI%3D"),
            "{out}"
        );
    }

    #[test]
    fn open_reads_a_callback_with_its_own_key_and_pick_reads_a_field() {
        let kek = KekPrivateKey::from_pem(demo::KEK_PRIVATE_PEM).unwrap().kek();
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        let wrapped =
            protocol::keys::wrap_cek(&kek, &demo::DOC_CEK, Padding::Pkcs1v15, &mut rng).unwrap();
        let sealed = content::encrypt(&demo::DOC_CEK, demo::DOC_IV, br#"{"state":"s"}"#);
        let callback =
            serde_json::json!({ "code": "D00000", "content": sealed, "secretKey": wrapped });
        let opened = open(&Options::default(), &callback.to_string()).unwrap();
        assert_eq!(pick(&opened, "content.state").unwrap(), "s");
        assert_eq!(pick(&opened, "code").unwrap(), "D00000");
        assert!(pick(&opened, "nothing").is_err());
    }

    #[test]
    fn quoting_survives_single_quotes() {
        assert_eq!(quote("it's"), r"'it'\''s'");
    }
}
