//! What a person sees in real headless Chromium.

use app::demo::{DEMO_ACCOUNTS, DEMO_PASSWORD};
use cleared_tests::browser::Browser;
use cleared_tests::{Backend, TestApp};
use fantoccini::Locator;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn employee_signs_in_switches_language_on_the_same_page_and_signs_out() {
    let app = TestApp::start(Backend::Sqlite).await.unwrap();
    app::demo::seed_demo(&app.db, chrono::Utc::now())
        .await
        .unwrap();
    let browser = Browser::start(true).await;
    let (employee, name, _) = DEMO_ACCOUNTS[0];

    browser
        .sign_in(&app.base_url, employee, DEMO_PASSWORD)
        .await;
    browser
        .client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("#clearance"))
        .await
        .unwrap();
    assert_eq!(browser.path().await, "/dashboard");
    browser.wait_for_hydration().await;
    assert_eq!(browser.text_of("h1").await, format!("Welcome, {name}"));
    assert!(
        browser
            .client
            .find(Locator::Css("a[href='/admin']"))
            .await
            .is_err(),
        "an employee sees no admin link"
    );

    // The switch is a form post: the server stores the choice and sends the browser back to
    // the same page, rendered in German (course and clearance text included).
    browser.switch_language("de", "Willkommen").await;
    assert_eq!(browser.path().await, "/dashboard", "back on the same page");
    let lang = browser
        .client
        .execute("return document.documentElement.lang;", vec![])
        .await
        .unwrap();
    assert_eq!(lang, serde_json::json!("de"));
    let pressed = browser
        .client
        .find(Locator::Css("button.lang-option[value=de]"))
        .await
        .unwrap()
        .attr("aria-pressed")
        .await
        .unwrap();
    assert_eq!(
        pressed.as_deref(),
        Some("true"),
        "the switch says which is on"
    );
    let clearance = browser.text_of("#clearance h2").await;
    assert!(clearance.contains("noch keine Freigabe"), "{clearance}");
    browser.wait_for_hydration().await;

    // The choice is stored for the person, so the next page is German too.
    let person = app::accounts::server::person_by_email(&app.db, employee)
        .await
        .unwrap();
    assert_eq!(
        person.preferred_language,
        Some(app::i18n::Lang::De),
        "the language choice is stored for the person"
    );
    browser.client.goto(&app.url("/courses")).await.unwrap();
    assert_eq!(browser.text_of("h1").await, "Kurse");

    browser
        .client
        .find(Locator::Css("form.sign-out button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("form.stack #email"))
        .await
        .unwrap();
    assert_eq!(browser.path().await, "/login");
    browser.client.goto(&app.url("/dashboard")).await.unwrap();
    browser
        .client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("form.stack #email"))
        .await
        .unwrap();
    assert_eq!(
        browser.path().await,
        "/login",
        "after signing out the dashboard asks to sign in again"
    );

    browser.close().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_and_admin_pages_work_without_javascript() {
    let app = TestApp::start(Backend::Sqlite).await.unwrap();
    app::demo::seed_demo(&app.db, chrono::Utc::now())
        .await
        .unwrap();
    let browser = Browser::start(false).await;
    let (admin, name, _) = DEMO_ACCOUNTS[3];

    browser
        .sign_in(&app.base_url, "employee@example.com", DEMO_PASSWORD)
        .await;
    browser
        .client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("#clearance"))
        .await
        .unwrap();
    browser
        .client
        .find(Locator::Css("form.sign-out button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("p.notice"))
        .await
        .unwrap();

    browser.sign_in(&app.base_url, admin, DEMO_PASSWORD).await;
    browser
        .client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("#clearance"))
        .await
        .unwrap();
    assert_eq!(browser.text_of("h1").await, format!("Welcome, {name}"));
    let hydrated = browser
        .client
        .find(Locator::Css("body[data-hydrated]"))
        .await;
    assert!(hydrated.is_err(), "scripts are really off in this browser");

    browser
        .client
        .goto(&app.url("/admin?q=support"))
        .await
        .unwrap();
    let rows = browser
        .client
        .find_all(Locator::Css("table.people tbody tr"))
        .await
        .unwrap();
    assert!(!rows.is_empty(), "the people search renders on the server");

    // The language switch is a plain form: back on the same search, in German.
    browser.switch_language("de", "Verwaltung: Personen").await;
    let url = browser.client.current_url().await.unwrap();
    assert_eq!((url.path(), url.query()), ("/admin", Some("q=support")));
    assert_eq!(
        browser
            .client
            .find_all(Locator::Css("table.people tbody tr"))
            .await
            .unwrap()
            .len(),
        rows.len()
    );
    browser.close().await;
    app.stop().await;
}

/// The compliance officer's task in real Chromium: find a person, grant an official account,
/// see them cleared; revoke their certificate, see them not cleared with the reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compliance_officer_grants_an_account_then_revokes_the_certificate() {
    use cleared_tests::learning::{acknowledge_current_policy, complete_course};
    let app = TestApp::start(Backend::Sqlite).await.unwrap();
    let now = chrono::Utc::now();
    app::demo::seed_demo(&app.db, now).await.unwrap();
    let (employee, name, _) = DEMO_ACCOUNTS[0];
    let person = app::accounts::server::find_user_by_email(&app.db, employee)
        .await
        .unwrap()
        .unwrap();
    let user = app::accounts::UserId(person.id);
    acknowledge_current_policy(&app.db, user, now).await;
    for course in ["smac-101", "smac-201", "smac-301"] {
        complete_course(&app.db, user, course, now).await;
    }
    let (officer, _, _) = DEMO_ACCOUNTS[2];
    let browser = Browser::start(true).await;
    browser.sign_in(&app.base_url, officer, DEMO_PASSWORD).await;
    browser
        .wait_for(Locator::Css("a[href='/compliance']"))
        .await
        .click()
        .await
        .unwrap();
    browser.wait_for(Locator::Id("q")).await;
    browser.fill("#q", name).await;
    browser.click("form.filters button[type=submit]").await;
    browser
        .wait_for(Locator::LinkText(name))
        .await
        .click()
        .await
        .unwrap();

    let account_row = "tr[data-account='kestrel-cares']";
    browser.wait_for(Locator::Css(account_row)).await;
    assert!(browser.text_of(account_row).await.contains("Not cleared"));
    browser
        .click("#grant-account option[value='kestrel-cares']")
        .await;
    browser
        .fill("#grant-reason", "Joins the customer care team")
        .await;
    browser.click("#grant-form button[type=submit]").await;
    browser.wait_for(Locator::Id("form-notice")).await;
    let granted = browser.text_of(account_row).await;
    assert!(granted.contains("Cleared until"), "{granted}");
    if let Ok(folder) = std::env::var("CLEARED_SCREENSHOTS") {
        let png = browser.client.screenshot().await.expect("screenshot");
        std::fs::write(
            std::path::Path::new(&folder).join("compliance-evidence.png"),
            png,
        )
        .unwrap();
    }

    let certificate =
        app::certification::server::certificates_of(&app.db, user, app::i18n::Lang::En, now)
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.certification_slug == "social-media-professional")
            .unwrap();
    browser
        .fill(
            &format!("#revoke-{}", certificate.id),
            "Shared the unreleased roadmap",
        )
        .await;
    browser
        .click(&format!("li[data-certificate='{}'] button", certificate.id))
        .await;
    browser
        .wait_for(Locator::XPath(
            "//p[@id='form-notice'][contains(., 'revoked')]",
        ))
        .await;
    let revoked = browser.text_of(account_row).await;
    assert!(revoked.contains("Not cleared"), "{revoked}");
    assert!(
        revoked.contains("certificate revoked")
            && revoked.contains("Shared the unreleased roadmap"),
        "{revoked}"
    );
    browser.close().await;
    app.stop().await;
}
