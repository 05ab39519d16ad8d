//! The integration API: tokens and scopes, clearance for a person and an official account
//! (now and at a past time), the batch, who may post on an account, and the OpenAPI document
//! that every route must match.

use app::accounts::{Role, UserId};
use app::official_accounts::server::{find_account, grant_posting};
use chrono::{DateTime, Duration, Utc};
use cleared_tests::learning::{acknowledge_current_policy, complete_course, seed_curriculum};
use cleared_tests::{TestApp, on_both_databases};
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_databases!(
    tokens_are_checked_and_each_refusal_says_why,
    clearance_for_an_account_follows_grants_certificates_and_time,
    the_batch_answers_in_order_and_refuses_oversized_or_invalid_requests,
    every_documented_route_answers_as_the_document_says,
);

async fn token(app: &TestApp, scopes: &str) -> String {
    app::api_tokens::server::create_token(&app.db, None, "test tool", scopes, Utc::now())
        .await
        .unwrap()
        .1
}

async fn get(app: &TestApp, token: Option<&str>, path: &str) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new().get(app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let problem = response
        .headers()
        .get("content-type")
        .is_some_and(|v| v.to_str().unwrap_or_default() == "application/problem+json");
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        assert!(
            problem,
            "{path}: errors are problem details, got {status} {body}"
        );
        assert_eq!(body["status"], json!(status.as_u16()));
    }
    (status, body)
}

async fn post(app: &TestApp, token: &str, path: &str, body: &Value) -> (StatusCode, Value) {
    let response = reqwest::Client::new()
        .post(app.url(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A person holding the full curriculum's certificate, with the policy acknowledged.
async fn certified_professional(app: &TestApp, email: &str, now: DateTime<Utc>) -> UserId {
    let user = app.with_user(email, &[Role::Employee]).await;
    acknowledge_current_policy(&app.db, user, now).await;
    for course in ["smac-101", "smac-201", "smac-301"] {
        complete_course(&app.db, user, course, now).await;
    }
    user
}

async fn tokens_are_checked_and_each_refusal_says_why(app: &TestApp) {
    seed_curriculum(&app.db).await;
    app.with_user("ada@example.com", &[Role::Employee]).await;
    let path = "/api/v1/clearance?email=ada@example.com";
    let valid = token(app, "clearance:read").await;
    let other_scope = token(app, "people:write").await;
    let revoked = token(app, "clearance:read").await;
    let revoked_id = app::api_tokens::server::list_tokens(&app.db)
        .await
        .unwrap()
        .into_iter()
        .find(|t| revoked.starts_with(&format!("clr_{}_", t.prefix)))
        .unwrap()
        .id;
    app::api_tokens::server::revoke_token(&app.db, None, revoked_id.parse().unwrap(), Utc::now())
        .await
        .unwrap();
    let mut unknown = valid.clone();
    unknown.replace_range(valid.len() - 4.., "zzzz");

    for (token, status, code) in [
        (None, StatusCode::UNAUTHORIZED, "missing_token"),
        (
            Some("not-a-token"),
            StatusCode::UNAUTHORIZED,
            "malformed_token",
        ),
        (
            Some(unknown.as_str()),
            StatusCode::UNAUTHORIZED,
            "invalid_token",
        ),
        (
            Some(revoked.as_str()),
            StatusCode::UNAUTHORIZED,
            "revoked_token",
        ),
        (
            Some(other_scope.as_str()),
            StatusCode::FORBIDDEN,
            "insufficient_scope",
        ),
    ] {
        let (got, body) = get(app, token, path).await;
        assert_eq!(
            (got, body["code"].as_str()),
            (status, Some(code)),
            "{token:?}"
        );
    }
    // A token without clearance:read cannot learn whether an email exists.
    let (status, _) = get(
        app,
        Some(&other_scope),
        "/api/v1/clearance?email=nobody@example.com",
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = get(app, Some(&valid), path).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["person"]["cleared"], json!(false));

    // Bad parameters: clear errors, never a 500.
    for (query, code) in [
        ("/api/v1/clearance", "invalid_parameter"),
        ("/api/v1/clearance?email=not-an-email", "invalid_parameter"),
        (
            "/api/v1/clearance?email=ada@example.com&at=yesterday",
            "invalid_parameter",
        ),
        (
            "/api/v1/clearance?email=ada@example.com&account=no-such",
            "unknown_account",
        ),
        (
            "/api/v1/clearance?email=nobody@example.com",
            "unknown_person",
        ),
        ("/api/v1/no-such-route", "not_found"),
    ] {
        let (status, body) = get(app, Some(&valid), query).await;
        assert!(status.is_client_error(), "{query}: {status}");
        assert_eq!(body["code"].as_str(), Some(code), "{query}");
    }
}

async fn clearance_for_an_account_follows_grants_certificates_and_time(app: &TestApp) {
    seed_curriculum(&app.db).await;
    let start = Utc::now();
    let user = certified_professional(app, "grace@example.com", start).await;
    let officer = app
        .with_user("carla@example.com", &[Role::Compliance])
        .await;
    let account = find_account(&app.db, "kestrel-cares").await.unwrap();
    let token = token(app, "clearance:read").await;
    let ask = |at: Option<DateTime<Utc>>| {
        let mut path =
            "/api/v1/clearance?email=grace@example.com&account=kestrel-cares".to_string();
        if let Some(at) = at {
            path.push_str(&format!("&at={}", at.to_rfc3339().replace('+', "%2B")));
        }
        path
    };

    let (_, personal) = get(
        app,
        Some(&token),
        "/api/v1/clearance?email=grace@example.com",
    )
    .await;
    assert_eq!(personal["person"]["cleared"], json!(true), "{personal}");
    let (_, before) = get(app, Some(&token), &ask(None)).await;
    assert_eq!(before["person"]["cleared"], json!(false));
    assert_eq!(before["person"]["reasons"], json!([{ "code": "no_grant" }]));

    let granted_at = Utc::now();
    let ends = granted_at + Duration::days(30);
    grant_posting(
        &app.db,
        Some(officer),
        user,
        account.id,
        "Joins the care team",
        Some(ends),
        granted_at,
    )
    .await
    .unwrap();
    let (_, after) = get(app, Some(&token), &ask(None)).await;
    assert_eq!(after["person"]["cleared"], json!(true), "{after}");
    let until: DateTime<Utc> =
        serde_json::from_value(after["person"]["valid_until"].clone()).unwrap();
    assert!(
        (until - ends).num_seconds().abs() < 1,
        "the grant ends before the certificate"
    );

    let (_, listed) = get(app, Some(&token), "/api/v1/accounts/kestrel-cares/cleared").await;
    assert_eq!(listed["people"][0]["email"], json!("grace@example.com"));
    let (_, other) = get(app, Some(&token), "/api/v1/accounts/kestrel-news/cleared").await;
    assert_eq!(other["people"], json!([]));

    // Revoking the certificate ends clearance at once, with the reason; the past stays.
    let certificate =
        app::certification::server::certificates_of(&app.db, user, app::i18n::Lang::En, Utc::now())
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.certification_slug == "social-media-professional")
            .unwrap();
    let revoked_at = Utc::now();
    app::certification::server::revoke_certificate(
        &app.db,
        Some(officer),
        certificate.id.parse().unwrap(),
        "Shared a confidential roadmap",
        revoked_at,
    )
    .await
    .unwrap();
    let (_, now) = get(app, Some(&token), &ask(None)).await;
    assert_eq!(now["person"]["cleared"], json!(false));
    assert_eq!(
        now["person"]["reasons"][0]["code"],
        json!("certificate_revoked")
    );
    assert_eq!(
        now["person"]["reasons"][0]["reason"],
        json!("Shared a confidential roadmap")
    );
    let (_, then) = get(
        app,
        Some(&token),
        &ask(Some(granted_at + (revoked_at - granted_at) / 2)),
    )
    .await;
    assert_eq!(
        then["person"]["cleared"],
        json!(true),
        "cleared just before the revocation: {then}"
    );
    let (_, earlier) = get(app, Some(&token), &ask(Some(start - Duration::days(1)))).await;
    assert_eq!(
        earlier["person"]["cleared"],
        json!(false),
        "not cleared before she existed"
    );
    let (_, listed) = get(app, Some(&token), "/api/v1/accounts/kestrel-cares/cleared").await;
    assert_eq!(listed["people"], json!([]));
}

async fn the_batch_answers_in_order_and_refuses_oversized_or_invalid_requests(app: &TestApp) {
    seed_curriculum(&app.db).await;
    certified_professional(app, "grace@example.com", Utc::now()).await;
    app.with_user("ada@example.com", &[Role::Employee]).await;
    let token = token(app, "clearance:read").await;
    let (status, body) = post(
        app,
        &token,
        "/api/v1/clearance/batch",
        &json!({ "emails": ["Grace@Example.com", "ada@example.com", "nobody@example.com", "grace@example.com"] }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let results = body["results"].as_array().unwrap();
    let summary: Vec<(&str, bool, bool)> = results
        .iter()
        .map(|r| {
            (
                r["email"].as_str().unwrap(),
                r["known"].as_bool().unwrap(),
                r["cleared"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("grace@example.com", true, true),
            ("ada@example.com", true, false),
            ("nobody@example.com", false, false),
            ("grace@example.com", true, true),
        ]
    );

    let too_many: Vec<String> = (0..1001).map(|i| format!("p{i}@example.com")).collect();
    for (body, status, code) in [
        (
            json!({ "emails": too_many }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "batch_too_large",
        ),
        (
            json!({ "emails": ["ok@example.com", "bad"] }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_email",
        ),
        (
            json!({ "emails": "grace@example.com" }),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            json!({ "emails": [], "extra": 1 }),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            json!({ "emails": [], "account": "no-such" }),
            StatusCode::NOT_FOUND,
            "unknown_account",
        ),
    ] {
        let (got, answer) = post(app, &token, "/api/v1/clearance/batch", &body).await;
        assert_eq!((got, answer["code"].as_str()), (status, Some(code)));
    }
}

/// Walks the OpenAPI document: every documented operation answers with a documented status
/// and the documented required fields, and refuses a missing token as documented.
async fn every_documented_route_answers_as_the_document_says(app: &TestApp) {
    seed_curriculum(&app.db).await;
    let user = certified_professional(app, "grace@example.com", Utc::now()).await;
    let account = find_account(&app.db, "kestrel-outlet").await.unwrap();
    grant_posting(
        &app.db,
        None,
        user,
        account.id,
        "Sales campaign",
        None,
        Utc::now(),
    )
    .await
    .unwrap();
    let token = token(app, "clearance:read").await;
    let (status, document) = get(app, None, "/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(document["openapi"], json!("3.1.0"));
    let samples = json!({ "email": "grace@example.com", "account": "kestrel-outlet" });
    let mut exercised = 0;
    for (path, operations) in document["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let mut url = path.replace("{account}", "kestrel-outlet");
            let required: Vec<&str> = operation["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .filter(|p| p["in"] == "query" && p["required"] == json!(true))
                        .map(|p| p["name"].as_str().unwrap())
                        .collect()
                })
                .unwrap_or_default();
            if !required.is_empty() {
                let query: Vec<String> = required
                    .iter()
                    .map(|name| format!("{name}={}", samples[name].as_str().unwrap()))
                    .collect();
                url = format!("{url}?{}", query.join("&"));
            }
            let (status, body) =
                match method.as_str() {
                    "get" => get(app, Some(&token), &url).await,
                    "post" => post(
                        app,
                        &token,
                        &url,
                        &json!({ "emails": ["grace@example.com"], "account": "kestrel-outlet" }),
                    )
                    .await,
                    other => panic!("undocumented method {other}"),
                };
            assert_eq!(status, StatusCode::OK, "{method} {url}: {body}");
            let schema = resolve(
                &document,
                &operation["responses"]["200"]["content"]["application/json"]["schema"],
            );
            for field in schema["required"].as_array().into_iter().flatten() {
                assert!(
                    body.get(field.as_str().unwrap()).is_some(),
                    "{url} lacks {field}: {body}"
                );
            }
            let secured = operation.get("security") != Some(&json!([]));
            if secured {
                assert!(
                    operation["responses"]["401"].is_object(),
                    "{url} documents 401"
                );
                let (status, _) = match method.as_str() {
                    "get" => get(app, None, &url).await,
                    _ => {
                        let response = reqwest::Client::new()
                            .post(app.url(&url))
                            .json(&json!({}))
                            .send()
                            .await
                            .unwrap();
                        (response.status(), Value::Null)
                    }
                };
                assert_eq!(status, StatusCode::UNAUTHORIZED, "{url} without a token");
            }
            exercised += 1;
        }
    }
    let mut documented: Vec<(String, String)> = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.clone(), path.clone()))
        })
        .collect();
    let mut routed: Vec<(String, String)> = server::web::api::ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    documented.sort();
    routed.sort();
    assert_eq!(
        documented, routed,
        "the router and the document list the same routes"
    );
    assert_eq!(exercised, routed.len());
}

fn resolve<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let path = reference.trim_start_matches("#/");
            path.split('/').fold(document, |node, key| &node[key])
        }
        None => schema,
    }
}
