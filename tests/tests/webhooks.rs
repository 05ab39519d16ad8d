//! Webhooks against a real HTTP receiver started by each test on port 0: the signature,
//! retries with backoff after the receiver fails, grants and revocations announced in the
//! transaction of the change, expiries announced exactly once by concurrent schedulers, and
//! bad registrations refused with nothing stored.

use app::accounts::{Role, UserId};
use app::entities::{webhook_deliveries, webhook_events, webhooks};
use app::official_accounts::server::{find_account, grant_posting};
use app::webhooks::server::{
    EVENT_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, announce_expiries, register_webhook,
};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Duration, Utc};
use cleared_tests::learning::{acknowledge_current_policy, complete_course, seed_curriculum};
use cleared_tests::{TestApp, location, now, page_at};
use hmac::{KeyInit, Mac};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::Value;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

const SECRET: &str = "a-receiver-secret-of-some-length";

/// Each test twice, on SQLite and PostgreSQL, with the server's own delivery task switched
/// off (`CLEARED_WEBHOOK_POLL_MS=0`) unless the test is about that task: the test then
/// drives deliveries itself, with any `now`.
macro_rules! on_both_databases_with {
    ($($name:ident: $settings:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let app = cleared_tests::TestApp::start_with(cleared_tests::Backend::Sqlite, super::$settings).await.expect("sqlite always runs");
                    super::$name(&app).await;
                    app.stop().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[cfg_attr(
                    not(postgres_configured),
                    ignore = "CLEARED_TEST_POSTGRES_URL was not set when the tests were built"
                )]
                async fn $name() {
                    let Some(app) = cleared_tests::TestApp::start_with(cleared_tests::Backend::Postgres, super::$settings).await else { return };
                    super::$name(&app).await;
                    app.stop().await;
                }
            )*
        }
    };
}

const NO_WORKER: &[(&str, &str)] = &[("CLEARED_WEBHOOK_POLL_MS", "0")];
const FAST_WORKER: &[(&str, &str)] = &[("CLEARED_WEBHOOK_POLL_MS", "100")];

on_both_databases_with!(
    a_grant_is_delivered_signed_by_the_background_task: FAST_WORKER,
    a_revocation_is_retried_with_backoff_until_the_receiver_answers: NO_WORKER,
    a_receiver_that_stays_down_loses_nothing_until_the_attempts_run_out: NO_WORKER,
    an_expiry_fires_clearance_lost_exactly_once_under_concurrent_schedulers: NO_WORKER,
    bad_registrations_are_refused_with_a_translated_message_and_nothing_stored: NO_WORKER,
);

/// One request as the receiver saw it.
#[derive(Clone, Debug)]
struct Received {
    headers: HeaderMap,
    body: String,
}

/// A local HTTP receiver: answers 500 to its first `failures` requests, then 200.
#[derive(Clone)]
struct Receiver {
    url: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    async fn start(failures: u32) -> Receiver {
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let failures_left = Arc::new(AtomicU32::new(failures));
        let log = received.clone();
        let handler = move |headers: HeaderMap, body: String| {
            let log = log.clone();
            let failures_left = failures_left.clone();
            async move {
                log.lock().unwrap().push(Received { headers, body });
                let fail = failures_left
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok();
                if fail {
                    (StatusCode::INTERNAL_SERVER_ERROR, "down for maintenance")
                } else {
                    (StatusCode::OK, "thanks")
                }
            }
        };
        let router = axum::Router::new().route("/hook", axum::routing::post(handler));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Receiver { url, received }
    }

    fn requests(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// The bodies received, as JSON, each checked against its signature first.
    fn verified_bodies(&self) -> Vec<Value> {
        self.requests()
            .iter()
            .map(|r| {
                assert_signed(r);
                serde_json::from_str(&r.body).unwrap()
            })
            .collect()
    }

    /// Waits (up to a deadline) until a request whose body has `type` arrives.
    async fn wait_for(&self, event_type: &str) -> Value {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            if let Some(body) = self
                .verified_bodies()
                .into_iter()
                .find(|b| b["type"] == event_type)
            {
                return body;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no {event_type} arrived; got {:?}",
                self.requests()
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

/// Checks the signature as a receiver would, with its own HMAC code: `sha256=` and the hex
/// HMAC-SHA256 of `"{timestamp}.{body}"` under the shared secret.
fn assert_signed(request: &Received) {
    let header = |name: &str| {
        request
            .headers
            .get(name)
            .unwrap_or_else(|| panic!("{name} is missing"))
            .to_str()
            .unwrap()
            .to_string()
    };
    let timestamp = header(TIMESTAMP_HEADER);
    assert!(timestamp.parse::<i64>().is_ok(), "{timestamp}");
    let given = header(SIGNATURE_HEADER);
    let hex = given.strip_prefix("sha256=").expect("sha256= prefix");
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.{}", request.body).as_bytes());
    mac.verify_slice(&decode_hex(hex))
        .expect("the signature verifies");
    // A changed body does not.
    let mut forged = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    forged.update(format!("{timestamp}.{} ", request.body).as_bytes());
    assert!(forged.verify_slice(&decode_hex(hex)).is_err());
    let body: Value = serde_json::from_str(&request.body).unwrap();
    assert_eq!(
        header(EVENT_ID_HEADER),
        body["id"].as_str().unwrap(),
        "the event id header names the body's event"
    );
}

fn decode_hex(hex: &str) -> Vec<u8> {
    assert_eq!(hex.len(), 64, "{hex}");
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

/// A person holding the full curriculum's certificate, with the policy acknowledged.
async fn certified_professional(app: &TestApp, email: &str, at: DateTime<Utc>) -> UserId {
    let user = app.with_user(email, &[Role::Employee]).await;
    acknowledge_current_policy(&app.db, user, at).await;
    for course in ["smac-101", "smac-201", "smac-301"] {
        complete_course(&app.db, user, course, at).await;
    }
    user
}

async fn subscribe(app: &TestApp, receiver: &Receiver, events: &[&str], at: DateTime<Utc>) {
    let events: Vec<String> = events.iter().map(|e| e.to_string()).collect();
    register_webhook(&app.db, None, &receiver.url, SECRET, &events, at)
        .await
        .expect("register the webhook");
}

async fn deliver(app: &TestApp, at: DateTime<Utc>) -> server::webhooks::Round {
    server::webhooks::deliver_due(&app.db, &server::webhooks::http_client(), at)
        .await
        .expect("a delivery round")
}

async fn events_of_type(app: &TestApp, event_type: &str) -> Vec<Value> {
    webhook_events::Entity::find()
        .filter(webhook_events::Column::EventType.eq(event_type))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| serde_json::from_str(&e.payload).unwrap())
        .collect()
}

async fn a_grant_is_delivered_signed_by_the_background_task(app: &TestApp) {
    seed_curriculum(&app.db).await;
    let user = certified_professional(app, "grace@example.com", now()).await;
    let receiver = Receiver::start(0).await;
    subscribe(app, &receiver, &["clearance.granted"], now()).await;
    let account = find_account(&app.db, "kestrel-cares").await.unwrap();
    let ends = now() + Duration::days(30);
    grant_posting(
        &app.db,
        None,
        user,
        account.id,
        "Joins the care team",
        Some(ends),
        now(),
    )
    .await
    .unwrap();

    let body = receiver.wait_for("clearance.granted").await;
    let data = &body["data"];
    assert_eq!(data["person"]["email"], "grace@example.com");
    assert_eq!(data["person"]["id"], user.0.to_string());
    assert_eq!(data["account"], "kestrel-cares");
    let until: DateTime<Utc> = serde_json::from_value(data["valid_until"].clone()).unwrap();
    assert!((until - ends).num_seconds().abs() < 1, "{data}");
    assert!(data["at"].is_string());
    // Only what was subscribed to, and nothing twice.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let delivered = webhook_deliveries::Entity::find()
            .filter(webhook_deliveries::Column::Status.eq("delivered"))
            .count(&app.db)
            .await
            .unwrap();
        if delivered == 1 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the delivery is logged"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(receiver.requests().len(), 1);
}

async fn a_revocation_is_retried_with_backoff_until_the_receiver_answers(app: &TestApp) {
    seed_curriculum(&app.db).await;
    let start = now();
    let user = certified_professional(app, "grace@example.com", start).await;
    // Down for the first two requests.
    let receiver = Receiver::start(2).await;
    subscribe(
        app,
        &receiver,
        &["certificate.revoked", "clearance.lost"],
        start,
    )
    .await;
    let certificate =
        app::certification::server::certificates_of(&app.db, user, app::i18n::Lang::En, start)
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.certification_slug == "social-media-professional")
            .unwrap();
    let enthusiast =
        app::certification::server::certificates_of(&app.db, user, app::i18n::Lang::En, start)
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.certification_slug == "social-media-enthusiast")
            .unwrap();
    let revoked_at = now();
    // The professional certificate alone does not end personal clearance (the enthusiast
    // one still covers it); revoking both does, once.
    for id in [&certificate.id, &enthusiast.id] {
        app::certification::server::revoke_certificate(
            &app.db,
            None,
            id.parse().unwrap(),
            "Shared a confidential roadmap",
            revoked_at,
        )
        .await
        .unwrap();
    }
    assert_eq!(events_of_type(app, "certificate.revoked").await.len(), 2);
    let lost = events_of_type(app, "clearance.lost").await;
    assert_eq!(lost.len(), 1, "{lost:?}");
    let data = &lost[0]["data"];
    assert_eq!(data["person"]["email"], "grace@example.com");
    assert_eq!(data["account"], Value::Null, "personal clearance");
    assert!(
        data["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["code"] == "certificate_revoked"),
        "{data}"
    );

    // First round: three deliveries; the first two meet the receiver down.
    let first = deliver(app, revoked_at).await;
    assert_eq!((first.attempted, first.delivered), (3, 1));
    // Nothing is due again before the backoff has passed...
    assert_eq!(
        deliver(app, revoked_at + Duration::seconds(29))
            .await
            .attempted,
        0
    );
    // ...and after it the failed ones are tried again and arrive.
    let second = deliver(app, revoked_at + Duration::seconds(31)).await;
    assert_eq!((second.attempted, second.delivered), (2, 2));
    assert_eq!(
        deliver(app, revoked_at + Duration::hours(1))
            .await
            .attempted,
        0
    );

    let bodies = receiver.verified_bodies();
    assert_eq!(bodies.len(), 5);
    let mut types: Vec<String> = bodies
        .iter()
        .map(|b| b["type"].as_str().unwrap().to_string())
        .collect();
    types.sort();
    types.dedup();
    assert_eq!(types, ["certificate.revoked", "clearance.lost"]);
    let revoked = bodies
        .iter()
        .find(|b| b["type"] == "certificate.revoked")
        .unwrap();
    assert_eq!(revoked["data"]["reason"], "Shared a confidential roadmap");

    // The log: every delivery delivered, the retried ones after two attempts, the first
    // with the receiver's answer.
    let log = app::webhooks::server::list_deliveries(&app.db, None, 100)
        .await
        .unwrap();
    assert_eq!(log.len(), 3);
    assert!(
        log.iter()
            .all(|d| d.status == app::webhooks::DeliveryStatus::Delivered)
    );
    let mut attempts: Vec<u32> = log.iter().map(|d| d.attempts).collect();
    attempts.sort();
    assert_eq!(attempts, [1, 2, 2]);
    let retried = log.iter().find(|d| d.attempts == 2).unwrap();
    let tries = app::webhooks::server::attempts_of(&app.db, retried.id.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(tries.len(), 2);
    assert_eq!(tries[0].status_code, Some(500));
    assert!(
        tries[0]
            .error
            .as_deref()
            .unwrap()
            .contains("down for maintenance")
    );
    assert_eq!(tries[1].status_code, Some(200));
    assert_eq!(tries[1].error, None);
}

async fn a_receiver_that_stays_down_loses_nothing_until_the_attempts_run_out(app: &TestApp) {
    seed_curriculum(&app.db).await;
    // A port nobody listens on: bind one, then close it.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let start = now();
    register_webhook(
        &app.db,
        None,
        &format!("http://{closed}/hook"),
        SECRET,
        &["certificate.issued".to_string()],
        start,
    )
    .await
    .unwrap();
    certified_professional(app, "ada@example.com", start).await;
    assert_eq!(events_of_type(app, "certificate.issued").await.len(), 2);
    let mut at = start;
    for attempt in 1..=app::webhooks::server::MAX_ATTEMPTS {
        let round = deliver(app, at).await;
        assert_eq!(
            (round.attempted, round.delivered),
            (2, 0),
            "attempt {attempt}"
        );
        at += app::webhooks::server::MAX_RETRY;
    }
    assert_eq!(deliver(app, at + Duration::days(30)).await.attempted, 0);
    let log = app::webhooks::server::list_deliveries(&app.db, None, 100)
        .await
        .unwrap();
    assert_eq!(log.len(), 2);
    for delivery in log {
        assert_eq!(delivery.status, app::webhooks::DeliveryStatus::Failed);
        assert_eq!(
            delivery.attempts,
            app::webhooks::server::MAX_ATTEMPTS as u32
        );
        assert!(delivery.last_error.is_some(), "the last error is logged");
        assert_eq!(delivery.last_status_code, None);
    }
}

async fn an_expiry_fires_clearance_lost_exactly_once_under_concurrent_schedulers(app: &TestApp) {
    seed_curriculum(&app.db).await;
    let start = now();
    let receiver = Receiver::start(0).await;
    subscribe(
        app,
        &receiver,
        &["clearance.lost", "certificate.expired"],
        start,
    )
    .await;
    let user = certified_professional(app, "grace@example.com", start).await;
    let account = find_account(&app.db, "kestrel-cares").await.unwrap();
    let grant_ends = start + Duration::days(30);
    grant_posting(
        &app.db,
        None,
        user,
        account.id,
        "Care team",
        Some(grant_ends),
        start,
    )
    .await
    .unwrap();
    assert!(events_of_type(app, "clearance.lost").await.is_empty());

    // Nothing has run out yet.
    let early = announce_expiries(&app.db, start + Duration::days(1))
        .await
        .unwrap();
    assert_eq!((early.certificates, early.grants), (0, 0));

    // Thirteen months on: the grant ended, both certificates expired. Two schedulers (two app
    // servers) at once, then a third run later.
    let later = start + Duration::days(400);
    let (a, b) = tokio::join!(
        announce_expiries(&app.db, later),
        announce_expiries(&app.db, later)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.certificates + b.certificates, 2, "{a:?} {b:?}");
    assert_eq!(a.grants + b.grants, 1, "{a:?} {b:?}");
    let again = announce_expiries(&app.db, later + Duration::days(1))
        .await
        .unwrap();
    assert_eq!((again.certificates, again.grants), (0, 0));

    let lost = events_of_type(app, "clearance.lost").await;
    assert_eq!(
        lost.len(),
        2,
        "the account at the grant's end, then personal: {lost:?}"
    );
    let on_account = lost
        .iter()
        .find(|e| e["data"]["account"] == "kestrel-cares")
        .expect("the account's clearance ended with the grant");
    assert_eq!(on_account["data"]["reasons"][0]["code"], "grant_ended");
    let occurred: DateTime<Utc> =
        serde_json::from_value(on_account["occurred_at"].clone()).unwrap();
    assert!((occurred - grant_ends).num_seconds().abs() < 1);
    let personal = lost
        .iter()
        .find(|e| e["data"]["account"].is_null())
        .expect("personal clearance ended with the certificates");
    assert!(
        personal["data"]["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["code"] == "certificate_expired"),
        "{personal}"
    );
    assert_eq!(events_of_type(app, "certificate.expired").await.len(), 2);

    let round = deliver(app, later).await;
    assert_eq!((round.attempted, round.delivered), (4, 4));
    assert_eq!(receiver.verified_bodies().len(), 4);
    let expired = receiver
        .verified_bodies()
        .into_iter()
        .find(|b| b["type"] == "certificate.expired")
        .unwrap();
    assert_eq!(expired["data"]["person"]["email"], "grace@example.com");
}

async fn bad_registrations_are_refused_with_a_translated_message_and_nothing_stored(app: &TestApp) {
    let admin = app.actor("admin@example.com", &[Role::Admin]).await;
    let good = [
        ("url", "https://hooks.example.com/cleared"),
        ("secret", SECRET),
        ("event_clearance_lost", "on"),
    ];
    for (field, value, code) in [
        ("url", "ftp://hooks.example.com/x", "webhook_url_invalid"),
        ("url", "hooks.example.com", "webhook_url_invalid"),
        ("secret", "", "webhook_secret_too_short"),
        ("event_clearance_lost", "", "webhook_events_missing"),
    ] {
        let form: Vec<(&str, &str)> = good
            .iter()
            .map(|(k, v)| if *k == field { (*k, value) } else { (*k, *v) })
            .collect();
        // What a browser without JavaScript sends.
        let response = admin
            .post(app.url("/api/admin/register_webhook"))
            .header("referer", app.url("/admin/webhooks"))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::SEE_OTHER, "{field}");
        let back = location(&response);
        assert!(
            back.starts_with(&format!("/admin/webhooks?error={code}")),
            "{back}"
        );
        let page = page_at(&admin, app.url(&back)).await;
        let problem = app::problem::Problem::from_code(code, Some(16)).unwrap();
        assert!(
            page.contains(&problem.message(app::i18n::Lang::En)),
            "the page says why: {code}"
        );
        assert_ne!(
            problem.message(app::i18n::Lang::De),
            problem.message(app::i18n::Lang::En)
        );
    }
    // An unknown event (the command line and the rule take names).
    let unknown = register_webhook(
        &app.db,
        None,
        "https://hooks.example.com/x",
        SECRET,
        &["clearance.found".to_string()],
        now(),
    )
    .await;
    assert!(matches!(
        unknown,
        Err(app::error::DomainError::Invalid(
            app::problem::Problem::UnknownWebhookEvent
        ))
    ));
    assert_eq!(webhooks::Entity::find().count(&app.db).await.unwrap(), 0);

    // Employees cannot register one.
    let employee = app.actor("ada@example.com", &[Role::Employee]).await;
    let refused = cleared_tests::call(&employee, app, "admin/register_webhook", &good).await;
    assert_eq!(refused.status(), reqwest::StatusCode::FORBIDDEN);
    assert_eq!(webhooks::Entity::find().count(&app.db).await.unwrap(), 0);

    // The good form registers, shows the webhook and confirms it; disabling works once.
    let ok = admin
        .post(app.url("/api/admin/register_webhook"))
        .header("referer", app.url("/admin/webhooks"))
        .form(&good)
        .send()
        .await
        .unwrap();
    assert_eq!(location(&ok), "/admin/webhooks?notice=webhook_registered");
    let page = page_at(&admin, app.url("/admin/webhooks?notice=webhook_registered")).await;
    assert!(page.contains("The webhook has been registered."));
    assert!(page.contains("https://hooks.example.com/cleared"));
    assert!(!page.contains(SECRET), "the secret is never shown");
    let id = webhooks::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string();
    let disabled =
        cleared_tests::call(&admin, app, "admin/disable_webhook", &[("webhook_id", &id)]).await;
    assert!(disabled.status().is_success());
    let twice =
        cleared_tests::call(&admin, app, "admin/disable_webhook", &[("webhook_id", &id)]).await;
    assert_eq!(twice.status(), reqwest::StatusCode::CONFLICT);
}
