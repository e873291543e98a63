//! Benchmarks of the protocol's hot paths over a 1 kB body: request signature checks, the
//! full header check with replay state, and AES-256-GCM content encryption.
//!
//! Run with `cargo bench -p protocol`; throughput is reported in bytes of body or plaintext.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use protocol::{
    SIGNATURE_METHOD, SignatureInput, content,
    headers::{self, ReplayConfig, ReplayGuard, RequestHeaders},
};

const CLIENT_ID: &str = "edae2e2529ff46228af1e4d18c8405d1";
const SECRET: &str = "bench-client-secret";
const TIMESTAMP_MS: u64 = 1_557_048_906_183;
const NONCE: &str = "e893647dc4204eb9b7b8eddd527b687c";
const BODY_LEN: usize = 1024;

fn body() -> Vec<u8> {
    (0..BODY_LEN).map(|idx| b'a' + (idx % 26) as u8).collect()
}

fn signature_verify(c: &mut Criterion) {
    let body = body();
    let input = SignatureInput {
        client_id: CLIENT_ID,
        signature_method: SIGNATURE_METHOD,
        timestamp: "1557048906183",
        nonce: NONCE,
        body: &body,
    };
    let signature = protocol::sign(SECRET, &input);
    let mut group = c.benchmark_group("signature");
    group.throughput(Throughput::Bytes(BODY_LEN as u64));
    group.bench_function("verify_1k", |b| {
        b.iter(|| protocol::verify(SECRET, black_box(&input), black_box(&signature)))
    });
    group.finish();
}

/// Parsing, lookup, signature and replay checks, recording into a guard that remembers one
/// earlier request.
///
/// Each iteration needs its own guard, since an admitted request changes it. A guard holding
/// a long history is not used here: criterion prepares a whole batch of copies up front, so
/// the measurement would mostly show cache misses on those copies.
fn header_check(c: &mut Criterion) {
    let body = body();
    let [client_id, signature_method, timestamp, nonce, signature] =
        headers::signed_headers(CLIENT_ID, SECRET, TIMESTAMP_MS, NONCE, &body).map(|(_, v)| v);
    let request = RequestHeaders {
        client_id: Some(&client_id),
        signature_method: Some(&signature_method),
        timestamp: Some(&timestamp),
        nonce: Some(&nonce),
        signature: Some(&signature),
    };
    let config = ReplayConfig::default();
    let guard = earlier_requests(1, &config);
    let secret_of = |id: &str| (id == CLIENT_ID).then_some(SECRET);

    let mut group = c.benchmark_group("headers");
    group.throughput(Throughput::Bytes(BODY_LEN as u64));
    group.bench_function("check_1k", |b| {
        b.iter_batched_ref(
            || guard.clone(),
            |guard| {
                let verified = headers::verify_request(black_box(&request), &body, secret_of)?;
                guard.admit(&verified, &config, TIMESTAMP_MS)
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

/// A replay guard that has admitted `n` requests, all before [`TIMESTAMP_MS`].
fn earlier_requests(n: u64, config: &ReplayConfig) -> ReplayGuard {
    let mut guard = ReplayGuard::default();
    for idx in 0..n {
        let nonce = format!("earlier-{idx}");
        let timestamp_ms = TIMESTAMP_MS - n + idx;
        let pairs = headers::signed_headers(CLIENT_ID, SECRET, timestamp_ms, &nonce, b"");
        let request = RequestHeaders::from_fn(|name| {
            pairs.iter().find(|(it, _)| *it == name).map(|(_, value)| value.as_str())
        });
        let secret_of = |id: &str| (id == CLIENT_ID).then_some(SECRET);
        let admitted = headers::verify_request(&request, b"", secret_of)
            .and_then(|verified| guard.admit(&verified, config, timestamp_ms));
        assert_eq!(admitted, Ok(()));
    }
    guard
}

fn content_encryption(c: &mut Criterion) {
    let cek = [7u8; 32];
    let iv = [9u8; 12];
    let plaintext = body();
    let sealed = content::encrypt(&cek, iv, &plaintext);

    let mut group = c.benchmark_group("content");
    group.throughput(Throughput::Bytes(BODY_LEN as u64));
    group.bench_function("encrypt_1k", |b| {
        b.iter(|| content::encrypt(black_box(&cek), iv, black_box(&plaintext)))
    });
    group.bench_function("decrypt_1k", |b| {
        b.iter(|| content::decrypt(black_box(&cek), black_box(&sealed)))
    });
    group.finish();
}

criterion_group!(benches, signature_verify, header_check, content_encryption);
criterion_main!(benches);
