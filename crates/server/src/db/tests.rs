//! One test suite for both backends: each test runs on SQLite in a temporary folder and on a
//! fresh database of a real PostgreSQL server that the tests start (`pg_temp`).

use std::sync::atomic::{AtomicU32, Ordering};

use protocol::{
    content::ContentMode,
    engine::{
        AuthCode, BusinessRecord, CLOSED_TASK_RETENTION_MS, Client, ClientSettings, Flow, Store,
        Task, TaskRequest, TaskStatus,
    },
    headers::{ReplayConfig, RequestHeaders, signed_headers, verify_request},
    keys::CekState,
    vocab::{Lang, Scopes},
};

use super::{Attempt, Db, INTERRUPTED, InboxEntry, Location, pg_temp};

/// A fresh, empty state of each backend.
fn backends(test: &str) -> Vec<(&'static str, Db)> {
    static SEQ: AtomicU32 = AtomicU32::new(0);
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    let name = format!("{test}_{}_{n}", std::process::id());
    let data = std::env::temp_dir().join(format!("iams-db-{name}"));
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).unwrap();
    let sqlite = Db::open(&Location::Sqlite(data)).unwrap();
    let server = pg_temp::shared().expect("PostgreSQL (cargo xtask test installs it)");
    let url = server.create_database(&name).unwrap();
    let postgres = Db::open(&Location::Postgres { url, connections: 1 }).unwrap();
    vec![("sqlite", sqlite), ("postgres", postgres)]
}

/// Runs `f` as one call: in a transaction that commits.
fn call<T>(db: &mut Db, f: impl FnOnce(&mut Db) -> T) -> T {
    db.begin();
    let res = f(db);
    db.finish().unwrap();
    res
}

fn client(id: &str) -> Client {
    Client {
        client_id: id.to_owned(),
        secret: "secret-of-".to_owned() + id,
        name: format!("Client {id}"),
        redirect_uris: vec![format!("https://{id}.example/callback")],
        scopes: Scopes::parse("eidapi_auth").unwrap(),
        kek: None,
        content_mode: ContentMode::Plain,
        settings: ClientSettings::default(),
    }
}

fn task(id: &str, client_id: &str, persona: Option<&str>, expires_ms: u64) -> Task {
    Task {
        id: id.to_owned(),
        client_id: client_id.to_owned(),
        request: TaskRequest::Login { scopes: Scopes::parse("eidapi_auth").unwrap() },
        anonymous: false,
        persona: persona.map(str::to_owned),
        business_id: None,
        redirect_uri: None,
        state: None,
        source: None,
        lang: Lang::default(),
        same_device: false,
        created_ms: 0,
        expires_ms,
        approve_at_ms: None,
        scenario: None,
        status: TaskStatus::Pending,
    }
}

fn code(code: &str, client_id: &str, expires_ms: u64) -> AuthCode {
    AuthCode {
        code: code.to_owned(),
        client_id: client_id.to_owned(),
        persona: "chan-tai-man".to_owned(),
        scopes: Scopes::parse("eidapi_auth").unwrap(),
        same_device: false,
        business_id: None,
        expires_ms,
    }
}

/// Admits a request of `client` with `nonce` at `at` through the real header checks.
fn admit(db: &mut Db, client: &str, nonce: &str, at: u64) -> Result<(), protocol::Error> {
    let pairs = signed_headers(client, "s", at, nonce, b"");
    let headers = RequestHeaders::from_fn(|name| {
        pairs.iter().find(|(it, _)| *it == name).map(|(_, v)| v.as_str())
    });
    let verified = verify_request(&headers, b"", |_| Some("s")).unwrap();
    db.begin();
    let res = db.admit(&verified, &ReplayConfig::default(), at);
    db.finish().unwrap();
    res
}

#[test]
fn clients_round_trip_and_are_listed_in_order() {
    for (name, mut db) in backends("clients") {
        call(&mut db, |db| {
            db.put_client(client("b")).unwrap();
            db.put_client(client("a")).unwrap();
        });
        let mut changed = client("a");
        changed.name = "Renamed".into();
        call(&mut db, |db| db.put_client(changed.clone()).unwrap());
        let found = call(&mut db, |db| db.client("a").unwrap());
        assert_eq!(found, Some(changed), "{name}");
        let ids: Vec<String> =
            call(&mut db, |db| db.clients().unwrap()).into_iter().map(|c| c.client_id).collect();
        assert_eq!(ids, ["a", "b"], "{name}");
        assert!(call(&mut db, |db| db.knows_client("b")), "{name}");
        assert!(!call(&mut db, |db| db.knows_client("zz")), "{name}");
        assert_eq!(call(&mut db, |db| db.client("zz").unwrap()), None, "{name}");
    }
}

#[test]
fn due_tasks_come_from_the_index_soonest_first_and_persona_tasks_by_persona() {
    for (name, mut db) in backends("tasks") {
        call(&mut db, |db| {
            db.put_task(task("late", "c", Some("p1"), 5_000)).unwrap();
            db.put_task(task("soon", "c", Some("p1"), 1_000)).unwrap();
            db.put_task(task("other", "c", Some("p2"), 3_000)).unwrap();
        });
        assert_eq!(call(&mut db, |db| db.next_due().unwrap()), Some(1_000), "{name}");
        let due = call(&mut db, |db| db.due_tasks(3_000, 10).unwrap());
        let ids: Vec<&str> = due.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["soon", "other"], "{name}");
        let due = call(&mut db, |db| db.due_tasks(10_000, 1).unwrap());
        assert_eq!(due.len(), 1, "{name}: the limit holds");
        let mut mine: Vec<String> =
            call(&mut db, |db| db.persona_tasks("p1").unwrap()).into_iter().map(|t| t.id).collect();
        mine.sort();
        assert_eq!(mine, ["late", "soon"], "{name}");

        // A closed task is due when its retention ends; a removed one is gone.
        let mut closed = task("soon", "c", Some("p1"), 1_000);
        closed.status = TaskStatus::Expired;
        call(&mut db, |db| db.put_task(closed).unwrap());
        assert_eq!(call(&mut db, |db| db.next_due().unwrap()), Some(3_000), "{name}");
        let at = 1_000 + CLOSED_TASK_RETENTION_MS;
        let due = call(&mut db, |db| db.due_tasks(at, 10).unwrap());
        assert_eq!(due.len(), 3, "{name}");
        call(&mut db, |db| db.remove_task("soon").unwrap());
        assert_eq!(call(&mut db, |db| db.task("soon").unwrap()), None, "{name}");
        assert!(call(&mut db, |db| db.task("late").unwrap()).is_some(), "{name}");
    }
}

#[test]
fn an_authorisation_code_is_taken_once_and_expired_ones_are_purged() {
    for (name, mut db) in backends("codes") {
        call(&mut db, |db| {
            db.put_auth_code(code("k1", "c", 10_000)).unwrap();
            db.put_auth_code(code("k2", "c", 10_000)).unwrap();
        });
        let taken = call(&mut db, |db| db.take_auth_code("k1").unwrap());
        assert_eq!(taken.map(|c| c.code).as_deref(), Some("k1"), "{name}");
        assert_eq!(call(&mut db, |db| db.take_auth_code("k1").unwrap()), None, "{name}");
        call(&mut db, |db| db.purge(20_000, &ReplayConfig::default()).unwrap());
        assert_eq!(call(&mut db, |db| db.take_auth_code("k2").unwrap()), None, "{name}");
    }
}

#[test]
fn replay_defence_refuses_a_reused_nonce_and_a_timestamp_that_goes_back() {
    for (name, mut db) in backends("replay") {
        assert_eq!(admit(&mut db, "c", "n1", 1_000), Ok(()), "{name}");
        assert_eq!(admit(&mut db, "c", "n1", 2_000), Err(protocol::Error::NonceReused), "{name}");
        assert_eq!(
            admit(&mut db, "c", "n2", 500),
            Err(protocol::Error::TimestampWentBackwards),
            "{name}"
        );
        assert_eq!(admit(&mut db, "c", "n2", 1_000), Ok(()), "{name}: an equal one is fine");
        assert_eq!(admit(&mut db, "other", "n1", 10), Ok(()), "{name}: nonces are per client");
        // A refused request left no trace: n3 at 1 500 is still fine.
        assert_eq!(admit(&mut db, "c", "n3", 1_500), Ok(()), "{name}");
        // Past the window, a nonce may be used again.
        let later = 1_000 + ReplayConfig::default().nonce_window_ms + 1;
        assert_eq!(admit(&mut db, "c", "n1", later), Ok(()), "{name}");
    }
}

/// Runs a signed call of `client` the way the API does: the checks' reads announced ahead,
/// then the registration read, then the replay check unless `stop_before_admission`.
fn signed_call(
    db: &mut Db,
    client: &str,
    nonce: &str,
    at: u64,
    stop_before_admission: bool,
) -> (Option<Client>, Option<Result<(), protocol::Error>>) {
    let pairs = signed_headers(client, "s", at, nonce, b"");
    let headers = RequestHeaders::from_fn(|name| {
        pairs.iter().find(|(it, _)| *it == name).map(|(_, v)| v.as_str())
    });
    let verified = verify_request(&headers, b"", |_| Some("s")).unwrap();
    call(db, |db| {
        db.expect_signed(&headers, &ReplayConfig::default());
        let registration = db.client(client).unwrap();
        let admitted =
            (!stop_before_admission).then(|| db.admit(&verified, &ReplayConfig::default(), at));
        (registration, admitted)
    })
}

#[test]
fn a_signed_call_fetched_ahead_keeps_nothing_unless_its_request_is_admitted() {
    for (name, mut db) in backends("ahead") {
        call(&mut db, |db| db.put_client(client("c")).unwrap());
        // Refused before the replay check (a bad signature, say): n1 stays unused.
        let (found, _) = signed_call(&mut db, "c", "n1", 1_000, true);
        assert_eq!(found, Some(client("c")), "{name}");
        assert_eq!(admit(&mut db, "c", "n1", 1_000), Ok(()), "{name}");
        // Checked ahead, the replay verdicts are those of the check itself.
        let (_, admitted) = signed_call(&mut db, "c", "n1", 2_000, false);
        assert_eq!(admitted, Some(Err(protocol::Error::NonceReused)), "{name}");
        let (_, admitted) = signed_call(&mut db, "c", "n2", 500, false);
        assert_eq!(admitted, Some(Err(protocol::Error::TimestampWentBackwards)), "{name}");
        let (_, admitted) = signed_call(&mut db, "c", "n2", 3_000, false);
        assert_eq!(admitted, Some(Ok(())), "{name}");
        assert_eq!(admit(&mut db, "c", "n2", 4_000), Err(protocol::Error::NonceReused), "{name}");
        // An unknown client is answered as unknown, and leaves no replay memory behind.
        let (found, _) = signed_call(&mut db, "nobody", "n1", 5_000, true);
        assert_eq!(found, None, "{name}");
    }
}

#[test]
fn keys_businesses_meta_and_private_keys_round_trip() {
    for (name, mut db) in backends("records") {
        assert_eq!(call(&mut db, |db| db.cek("c").unwrap()), CekState::default(), "{name}");
        let mut state = CekState::default();
        state.issue_or_reuse(1_000, 60_000, [7; 32]);
        call(&mut db, |db| db.put_cek("c", state.clone()).unwrap());
        assert_eq!(call(&mut db, |db| db.cek("c").unwrap()), state, "{name}");

        let record = BusinessRecord {
            client_id: "c".into(),
            business_id: "b1".into(),
            flow: Flow::Signing,
            anonymous: false,
            task_id: "t".into(),
            persona: None,
            code: None,
            result: None,
            ack: None,
        };
        call(&mut db, |db| db.put_business(record.clone()).unwrap());
        assert_eq!(call(&mut db, |db| db.business("c", "b1").unwrap()), Some(record), "{name}");
        assert_eq!(call(&mut db, |db| db.business("c", "b2").unwrap()), None, "{name}");

        call(&mut db, |db| db.put_meta("k", "v1").unwrap());
        call(&mut db, |db| db.put_meta("k", "v2").unwrap());
        assert_eq!(call(&mut db, |db| db.meta("k").unwrap()).as_deref(), Some("v2"), "{name}");
        call(&mut db, |db| db.put_kek_private_key("c", "PEM").unwrap());
        let pem = call(&mut db, |db| db.kek_private_key("c").unwrap());
        assert_eq!(pem.as_deref(), Some("PEM"), "{name}");
    }
}

#[test]
fn a_call_that_rolls_back_leaves_nothing() {
    for (name, mut db) in backends("rollback") {
        db.begin();
        db.put_client(client("gone")).unwrap();
        db.put_auth_code(code("gone", "gone", 10_000)).unwrap();
        db.queue_delivery(Some("gone"), "http://x", "{}", 1).unwrap();
        db.rollback();
        assert_eq!(call(&mut db, |db| db.client("gone").unwrap()), None, "{name}");
        assert_eq!(call(&mut db, |db| db.take_auth_code("gone").unwrap()), None, "{name}");
        assert!(call(&mut db, |db| db.deliveries("gone", 10, None).unwrap()).is_empty(), "{name}");
    }
}

#[test]
fn deliveries_are_claimed_for_a_lease_and_record_their_attempts() {
    for (name, mut db) in backends("deliveries") {
        let (first, second) = call(&mut db, |db| {
            let a = db.queue_delivery(Some("c"), "http://a", "{\"n\":1}", 1_000).unwrap();
            let b = db.queue_delivery(Some("c"), "http://b", "{\"n\":2}", 1_000).unwrap();
            (a, b)
        });
        let claimed = call(&mut db, |db| db.claim_deliveries(1_000, 1, 30_000).unwrap());
        assert_eq!(claimed.len(), 1, "{name}");
        assert_eq!(claimed[0].id, first, "{name}: oldest first");
        let claimed = call(&mut db, |db| db.claim_deliveries(1_000, 10, 30_000).unwrap());
        let ids: Vec<i64> = claimed.iter().map(|d| d.id).collect();
        assert_eq!(ids, [second], "{name}: a claimed delivery is not handed out again");
        assert!(call(&mut db, |db| db.claim_deliveries(20_000, 10, 30_000).unwrap()).is_empty());
        let attempt = |n: i64, state: &'static str, status: Option<i64>| Attempt {
            id: first,
            state,
            attempts: n,
            next_attempt_ms: 2_000,
            started_ms: 1_000 * n as u64,
            now_ms: 1_000 * n as u64 + 250,
            status,
            body: status.map(|s| format!("answered {s}")),
            error: status.is_none().then(|| "no answer".to_owned()),
        };
        let attempts = [attempt(1, "pending", None), attempt(2, "delivered", Some(200))];
        call(&mut db, |db| db.record_attempts(&attempts).unwrap());
        let listed = call(&mut db, |db| db.deliveries("c", 10, None).unwrap());
        assert_eq!(listed.len(), 2, "{name}");
        assert_eq!(listed[1].id, first, "{name}: newest first");
        assert_eq!(listed[1].state, "delivered", "{name}");
        assert_eq!(listed[1].response_status, Some(200), "{name}");
        let history: Vec<_> =
            listed[1].history.iter().map(|a| (a.n, a.status, a.error.clone())).collect();
        assert_eq!(
            history,
            [(1, None, Some("no answer".to_owned())), (2, Some(200), None)],
            "{name}: every attempt is kept, in order"
        );
        assert_eq!(listed[1].history[1].duration_ms, 250, "{name}");
        let noted: Vec<_> = listed[0].history.iter().map(|a| (a.n, a.error.clone())).collect();
        assert_eq!(
            noted,
            [(1, Some(INTERRUPTED.to_owned()))],
            "{name}: a claimed attempt shows until its outcome is recorded"
        );
        // Pages: one row, then the rows before it.
        let page = call(&mut db, |db| db.deliveries("c", 1, None).unwrap());
        assert_eq!(page.iter().map(|d| d.id).collect::<Vec<_>>(), [second], "{name}");
        let page = call(&mut db, |db| db.deliveries("c", 1, Some(second)).unwrap());
        assert_eq!(page.iter().map(|d| d.id).collect::<Vec<_>>(), [first], "{name}");
        // A postponed row is due when it says, without an attempt.
        call(&mut db, |db| db.postpone_deliveries(&[(second, 25_000)]).unwrap());
        assert_eq!(call(&mut db, |db| db.next_delivery_due().unwrap()), Some(25_000), "{name}");
        assert!(call(&mut db, |db| db.claim_deliveries(24_999, 10, 6_000).unwrap()).is_empty());
        let again = call(&mut db, |db| db.claim_deliveries(25_000, 10, 6_000).unwrap());
        assert_eq!(again.iter().map(|d| (d.id, d.attempts)).collect::<Vec<_>>(), [(second, 1)]);
        // Once the lease ran out, an unrecorded claim is due again.
        let again = call(&mut db, |db| db.claim_deliveries(31_000, 10, 30_000).unwrap());
        assert_eq!(again.iter().map(|d| (d.id, d.attempts)).collect::<Vec<_>>(), [(second, 2)]);
        let listed = call(&mut db, |db| db.deliveries("c", 1, None).unwrap());
        let numbers: Vec<i64> = listed[0].history.iter().map(|a| a.n).collect();
        assert_eq!(numbers, [1, 2], "{name}: the attempt a crash cut short stays listed");
        let copy = call(&mut db, |db| db.requeue_delivery(first, 40_000).unwrap());
        assert!(copy.is_some_and(|id| id > second), "{name}");
        assert_eq!(call(&mut db, |db| db.requeue_delivery(9_999, 1).unwrap()), None, "{name}");
    }
}

#[test]
fn a_purge_keeps_every_delivery_still_to_be_sent() {
    for (name, mut db) in backends("purge_pending") {
        let total = super::KEEP_ROWS + 5;
        let ids: Vec<i64> = call(&mut db, |db| {
            (0..total)
                .map(|n| db.queue_delivery(Some("c"), "http://a", &n.to_string(), 1).unwrap())
                .collect()
        });
        call(&mut db, |db| db.purge(0, &ReplayConfig::default()).unwrap());
        let kept = call(&mut db, |db| db.deliveries("c", 1000, None).unwrap()).len()
            + call(&mut db, |db| db.deliveries("c", 1000, Some(ids[5])).unwrap()).len();
        assert_eq!(kept, total, "{name}: pending deliveries are never purged");
        // Finished ones beyond the newest KEEP_ROWS are.
        let delivered: Vec<Attempt> = ids
            .iter()
            .map(|&id| Attempt {
                id,
                state: "delivered",
                attempts: 1,
                next_attempt_ms: 0,
                started_ms: 1,
                now_ms: 2,
                status: Some(200),
                body: None,
                error: None,
            })
            .collect();
        call(&mut db, |db| db.record_attempts(&delivered).unwrap());
        call(&mut db, |db| db.purge(0, &ReplayConfig::default()).unwrap());
        let oldest = call(&mut db, |db| db.deliveries("c", 1, Some(ids[5])).unwrap());
        assert!(oldest.is_empty(), "{name}: the oldest finished deliveries are gone");
        assert_eq!(call(&mut db, |db| db.deliveries("c", 1, None).unwrap())[0].id, ids[total - 1]);
    }
}

#[test]
fn inbox_entries_are_kept_and_listed_newest_first() {
    for (name, mut db) in backends("inbox") {
        for n in 0..3 {
            let entry = InboxEntry {
                id: 0,
                client_id: "c".into(),
                received_ms: n,
                method: "POST".into(),
                query: String::new(),
                body: format!("{{\"n\":{n}}}"),
            };
            call(&mut db, |db| db.keep_inbox(&entry).unwrap());
        }
        let listed = call(&mut db, |db| db.inbox("c", 2).unwrap());
        let times: Vec<i64> = listed.iter().map(|e| e.received_ms).collect();
        assert_eq!(times, [2, 1], "{name}");
        assert!(call(&mut db, |db| db.inbox("other", 10).unwrap()).is_empty(), "{name}");
    }
}

#[test]
fn a_reset_forgets_everything_the_client_did_and_keeps_its_registration() {
    for (name, mut db) in backends("reset") {
        call(&mut db, |db| {
            for id in ["c", "keep"] {
                db.put_client(client(id)).unwrap();
                db.put_kek_private_key(id, "PEM").unwrap();
                db.put_task(task(&format!("t-{id}"), id, None, 10_000)).unwrap();
                db.put_auth_code(code(&format!("k-{id}"), id, 10_000)).unwrap();
                db.put_cek(id, CekState::default()).unwrap();
                db.queue_delivery(Some(id), "http://x", "{}", 1).unwrap();
                let entry = InboxEntry {
                    id: 0,
                    client_id: id.into(),
                    received_ms: 1,
                    method: "GET".into(),
                    query: "code=1".into(),
                    body: String::new(),
                };
                db.keep_inbox(&entry).unwrap();
            }
        });
        admit(&mut db, "c", "used", 1_000).unwrap();
        call(&mut db, |db| db.reset_client("c").unwrap());
        assert!(call(&mut db, |db| db.client("c").unwrap()).is_some(), "{name}");
        assert!(call(&mut db, |db| db.kek_private_key("c").unwrap()).is_some(), "{name}");
        assert_eq!(call(&mut db, |db| db.task("t-c").unwrap()), None, "{name}");
        assert_eq!(call(&mut db, |db| db.take_auth_code("k-c").unwrap()), None, "{name}");
        assert!(call(&mut db, |db| db.deliveries("c", 10, None).unwrap()).is_empty(), "{name}");
        assert!(call(&mut db, |db| db.inbox("c", 10).unwrap()).is_empty(), "{name}");
        assert_eq!(admit(&mut db, "c", "used", 500), Ok(()), "{name}: replay memory forgotten");
        // The other client keeps everything.
        assert!(call(&mut db, |db| db.task("t-keep").unwrap()).is_some(), "{name}");
        assert!(call(&mut db, |db| db.take_auth_code("k-keep").unwrap()).is_some(), "{name}");
        assert_eq!(call(&mut db, |db| db.deliveries("keep", 10, None).unwrap()).len(), 1, "{name}");
    }
}

#[test]
fn opening_again_keeps_the_state_and_migrates_nothing_twice() {
    let data = std::env::temp_dir().join(format!("iams-db-reopen-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).unwrap();
    let server = pg_temp::shared().unwrap();
    let url = server.create_database(&format!("reopen_{}", std::process::id())).unwrap();
    for location in [Location::Sqlite(data.clone()), Location::Postgres { url, connections: 1 }] {
        let mut db = Db::open(&location).unwrap();
        call(&mut db, |db| db.put_client(client("c")).unwrap());
        drop(db);
        let mut db = Db::open(&location).unwrap();
        assert!(call(&mut db, |db| db.client("c").unwrap()).is_some(), "{location:?}");
    }
    let _ = std::fs::remove_dir_all(&data);
}

/// Two connections to one PostgreSQL database stand for two server instances.
#[test]
fn two_connections_share_replay_memory_and_never_claim_the_same_row() {
    let server = pg_temp::shared().unwrap();
    let url = server.create_database(&format!("shared_{}", std::process::id())).unwrap();
    let mut a = Db::open(&Location::Postgres { url: url.clone(), connections: 1 }).unwrap();
    let mut b = a.another().unwrap();
    assert_eq!(admit(&mut a, "c", "n1", 1_000), Ok(()));
    assert_eq!(admit(&mut b, "c", "n1", 2_000), Err(protocol::Error::NonceReused));
    assert_eq!(admit(&mut b, "c", "n2", 900), Err(protocol::Error::TimestampWentBackwards));

    call(&mut a, |db| {
        for n in 0..20 {
            db.queue_delivery(Some("c"), "http://x", &n.to_string(), 1).unwrap();
        }
        db.put_task(task("t", "c", None, 5)).unwrap();
    });
    // Both claim inside open transactions at once: SKIP LOCKED splits the rows.
    a.begin();
    b.begin();
    let from_a = a.claim_deliveries(10, 15, 60_000).unwrap();
    let from_b = b.claim_deliveries(10, 15, 60_000).unwrap();
    let due_a = a.due_tasks(10, 10).unwrap();
    let due_b = b.due_tasks(10, 10).unwrap();
    a.finish().unwrap();
    b.finish().unwrap();
    assert_eq!(from_a.len() + from_b.len(), 20);
    assert!(from_a.iter().all(|x| from_b.iter().all(|y| x.id != y.id)));
    assert_eq!(due_a.len() + due_b.len(), 1, "a due task goes to one timer");
}
