//! The compliance console over HTTP: who may use it, the roster and its CSV, posting rights
//! granted and suspensions under concurrent requests, evidence, and the audit chain check.

use app::accounts::Role;
use app::entities::{audit_events, posting_grants, posting_suspensions};
use app::official_accounts::server::find_account;
use chrono::Utc;
use cleared_tests::learning::{acknowledge_current_policy, complete_course, seed_curriculum};
use cleared_tests::{TestApp, call, on_both_databases, page_text};
use futures::future::join_all;
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

on_both_databases!(
    only_compliance_officers_reach_the_console_and_its_actions,
    the_roster_shows_standing_filters_and_exports_safe_csv,
    twenty_concurrent_grants_give_one_right_and_suspension_is_one_too,
    the_console_verifies_the_audit_chain_and_names_an_edited_entry,
);

async fn only_compliance_officers_reach_the_console_and_its_actions(app: &TestApp) {
    seed_curriculum(&app.db).await;
    let target = app.with_user("grace@example.com", &[Role::Employee]).await;
    let target_id = target.to_string();
    let employee = app.actor("emma@example.com", &[Role::Employee]).await;
    let trainer = app
        .actor("tom@example.com", &[Role::Employee, Role::Trainer])
        .await;
    let admin = app
        .actor("adam@example.com", &[Role::Employee, Role::Admin])
        .await;
    let officer = app
        .actor("carla@example.com", &[Role::Employee, Role::Compliance])
        .await;
    let pages = [
        "/compliance".to_string(),
        format!("/compliance/people/{target_id}"),
        "/compliance/audit".to_string(),
        "/compliance/roster.csv".to_string(),
        format!("/compliance/people/{target_id}/evidence.csv"),
        "/compliance/audit.csv".to_string(),
    ];
    for (name, client, allowed) in [
        ("employee", &employee, false),
        ("trainer", &trainer, false),
        ("admin", &admin, false),
        ("compliance", &officer, true),
    ] {
        for page in &pages {
            let status = client.get(app.url(page)).send().await.unwrap().status();
            if allowed {
                assert_eq!(status, StatusCode::OK, "{name} {page}");
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{name} {page}");
            }
        }
        let granted = call(
            client,
            app,
            "compliance/grant",
            &[
                ("user_id", &target_id),
                ("account", "kestrel-cares"),
                ("reason", "x"),
                ("ends_on", ""),
            ],
        )
        .await
        .status();
        assert_eq!(granted.is_success(), allowed, "{name} granting: {granted}");
        let suspended = call(
            client,
            app,
            "compliance/suspend",
            &[("user_id", &target_id), ("reason", "x")],
        )
        .await
        .status();
        assert_eq!(
            suspended.is_success(),
            allowed,
            "{name} suspending: {suspended}"
        );
    }
    assert_eq!(
        posting_grants::Entity::find().count(&app.db).await.unwrap(),
        1
    );
    assert_eq!(
        posting_suspensions::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        1
    );
    let anonymous = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let status = anonymous
        .get(app.url("/compliance"))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::SEE_OTHER, "signed out: sent to sign in");

    // Bad input changes nothing and says why.
    for args in [
        vec![
            ("user_id", target_id.as_str()),
            ("account", "kestrel-news"),
            ("reason", " "),
            ("ends_on", ""),
        ],
        vec![
            ("user_id", target_id.as_str()),
            ("account", "kestrel-news"),
            ("reason", "ok"),
            ("ends_on", "2001-01-01"),
        ],
        vec![
            ("user_id", target_id.as_str()),
            ("account", "kestrel-news"),
            ("reason", "ok"),
            ("ends_on", "next week"),
        ],
        vec![
            ("user_id", target_id.as_str()),
            ("account", "no-such-account"),
            ("reason", "ok"),
            ("ends_on", ""),
        ],
        vec![
            ("user_id", "not-a-uuid"),
            ("account", "kestrel-news"),
            ("reason", "ok"),
            ("ends_on", ""),
        ],
    ] {
        let response = call(&officer, app, "compliance/grant", &args).await;
        assert!(
            response.status().is_client_error(),
            "{args:?}: {}",
            response.status()
        );
    }
    assert_eq!(
        posting_grants::Entity::find().count(&app.db).await.unwrap(),
        1
    );
}

async fn the_roster_shows_standing_filters_and_exports_safe_csv(app: &TestApp) {
    seed_curriculum(&app.db).await;
    let now = Utc::now();
    let cleared = app.with_user("grace@example.com", &[Role::Employee]).await;
    acknowledge_current_policy(&app.db, cleared, now).await;
    complete_course(&app.db, cleared, "smac-101", now).await;
    app.with_user("ada@example.com", &[Role::Employee]).await;
    let formula = app
        .with_user("mallory@example.com", &[Role::Employee])
        .await;
    let mut person: app::entities::users::ActiveModel =
        app::entities::users::Entity::find_by_id(formula.0)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
            .into();
    person.display_name = Set("=HYPERLINK(\"http://evil.example\")".into());
    person.update(&app.db).await.unwrap();
    let officer = app
        .actor("carla@example.com", &[Role::Employee, Role::Compliance])
        .await;

    let page = officer
        .get(app.url("/compliance"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let text = page_text(&page);
    assert!(
        text.contains("grace@example.com") && text.contains("ada@example.com"),
        "{text}"
    );
    let cleared_only = page_text(
        &officer
            .get(app.url("/compliance?standing=cleared&within=30"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    assert!(cleared_only.contains("grace@example.com"));
    assert!(
        !cleared_only.contains("ada@example.com"),
        "the filter hides the never certified"
    );
    // Valid for a year: "expiring within 30 days" is not her; a hostile filter is harmless.
    let expiring = officer
        .get(app.url("/compliance?standing=expiring&within=999&q=%3Cscript%3E"))
        .send()
        .await
        .unwrap();
    assert_eq!(expiring.status(), StatusCode::OK);
    assert!(!expiring.text().await.unwrap().contains("<script>"));

    let csv = officer
        .get(app.url("/compliance/roster.csv?standing="))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = csv.text().await.unwrap();
    assert!(csv.starts_with("name,email,department,country,active,standing,cleared,valid_until,policy_version,reasons\r\n"));
    let grace = csv
        .lines()
        .find(|l| l.contains("grace@example.com"))
        .unwrap();
    assert!(grace.contains(",cleared,true,"), "{grace}");
    let ada = csv.lines().find(|l| l.contains("ada@example.com")).unwrap();
    assert!(
        ada.contains(",never,false,") && ada.contains("certificate_missing"),
        "{ada}"
    );
    let mallory = csv
        .lines()
        .find(|l| l.contains("mallory@example.com"))
        .unwrap();
    assert!(
        mallory.starts_with("\"'=HYPERLINK"),
        "a name is never a formula: {mallory}"
    );

    let evidence = officer
        .get(app.url(&format!("/compliance/people/{cleared}/evidence.csv")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for fact in ["policy.acknowledged", "quiz.attempt", "certificate.issued"] {
        assert!(evidence.contains(fact), "{fact} in {evidence}");
    }
}

async fn twenty_concurrent_grants_give_one_right_and_suspension_is_one_too(app: &TestApp) {
    seed_curriculum(&app.db).await;
    let target = app.with_user("grace@example.com", &[Role::Employee]).await;
    let target_id = target.to_string();
    let officer = app
        .actor("carla@example.com", &[Role::Employee, Role::Compliance])
        .await;
    let grant_args = [
        ("user_id", target_id.as_str()),
        ("account", "kestrel-news"),
        ("reason", "Press office"),
        ("ends_on", ""),
    ];
    let grants =
        join_all((0..20).map(|_| call(&officer, app, "compliance/grant", &grant_args))).await;
    let statuses: Vec<u16> = grants.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 409),
        "{statuses:?}"
    );
    let account = find_account(&app.db, "kestrel-news").await.unwrap();
    let rows = posting_grants::Entity::find()
        .filter(posting_grants::Column::AccountId.eq(account.id))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(rows, 1);

    let suspend_args = [("user_id", target_id.as_str()), ("reason", "Under review")];
    let suspensions =
        join_all((0..20).map(|_| call(&officer, app, "compliance/suspend", &suspend_args))).await;
    let ok = suspensions
        .iter()
        .filter(|r| r.status() == StatusCode::OK)
        .count();
    assert_eq!(ok, 1);
    assert_eq!(
        posting_suspensions::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        1
    );
    let verdict = app::clearance::server::verdict(&app.db, target, Some(account.id), Utc::now())
        .await
        .unwrap();
    assert!(
        verdict
            .reasons
            .iter()
            .any(|r| matches!(r, app::clearance::Reason::Suspended { .. })),
        "{verdict:?}"
    );
    let lift_args = [("user_id", target_id.as_str())];
    let lifts = join_all((0..10).map(|_| call(&officer, app, "compliance/lift", &lift_args))).await;
    assert_eq!(
        lifts
            .iter()
            .filter(|r| r.status() == StatusCode::OK)
            .count(),
        1
    );
    // Every action is in the audit chain, and the chain holds under concurrent appends.
    let check = app::audit::server::verify_chain(&app.db).await.unwrap();
    assert!(check.intact(), "{check:?}");
}

async fn the_console_verifies_the_audit_chain_and_names_an_edited_entry(app: &TestApp) {
    seed_curriculum(&app.db).await;
    let officer = app
        .actor("carla@example.com", &[Role::Employee, Role::Compliance])
        .await;
    let intact = page_text(
        &officer
            .get(app.url("/compliance/audit?verify=1"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    assert!(intact.contains("The chain is intact"), "{intact}");
    let victim = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("user.created"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let seq = victim.seq;
    let mut edited: audit_events::ActiveModel = victim.into();
    edited.details = Set("{\"email\":\"someone-else@example.com\"}".into());
    edited.update(&app.db).await.unwrap();
    let broken = page_text(
        &officer
            .get(app.url("/compliance/audit?verify=1"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    assert!(
        broken.contains(&format!("The chain is broken at entry {seq}")),
        "{broken}"
    );
    let csv = officer
        .get(app.url("/compliance/audit.csv"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        csv.lines().count() > 3 && csv.starts_with("seq,time,actor,action,subject,details,hash")
    );
}
