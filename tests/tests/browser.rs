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
