//! What a person sees in real headless Chromium.

use app::demo::{DEMO_ACCOUNTS, DEMO_PASSWORD};
use cleared_tests::browser::Browser;
use cleared_tests::{Backend, TestApp};
use fantoccini::Locator;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn employee_signs_in_switches_language_without_reload_and_signs_out() {
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

    // A marker on `window` survives only if the page is not reloaded.
    browser
        .client
        .execute("window.__noReload = 'still here'; return null;", vec![])
        .await
        .unwrap();
    browser
        .client
        .find(Locator::Css("button.lang-option[value=de]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(
            "//h1[starts-with(normalize-space(.), 'Willkommen')]",
        ))
        .await
        .expect("the heading switches to German");
    let marker = browser
        .client
        .execute("return window.__noReload || null;", vec![])
        .await
        .unwrap();
    assert_eq!(
        marker,
        serde_json::json!("still here"),
        "the switch happened without a page reload"
    );
    let lang = browser
        .client
        .execute("return document.documentElement.lang;", vec![])
        .await
        .unwrap();
    assert_eq!(lang, serde_json::json!("de"));

    // The choice is saved in the background; once stored, a reload renders German on the server.
    let mut stored = false;
    for _ in 0..100 {
        let person = app::accounts::server::person_by_email(&app.db, employee)
            .await
            .unwrap();
        if person.preferred_language == Some(app::i18n::Lang::De) {
            stored = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(stored, "the language choice is stored for the person");
    browser.client.refresh().await.unwrap();
    browser.wait_for_hydration().await;
    assert!(browser.text_of("h1").await.starts_with("Willkommen"));

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
    browser.close().await;
    app.stop().await;
}
