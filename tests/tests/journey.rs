//! The learner journey in real Chromium, with JavaScript and without: read a lesson, fail a
//! quiz and see the review, pass a later attempt, acknowledge the policy, receive the
//! certificate, see "cleared" on the dashboard and "valid" on the public verification page.

use app::entities::quiz_attempts;
use app::quizzes::server::AnswerSheet;
use chrono::Duration;
use cleared_tests::browser::Browser;
use cleared_tests::learning::*;
use cleared_tests::{Backend, TestApp, now};
use fantoccini::Locator;
use sea_orm::{ActiveValue::Set, EntityTrait};
use std::time::Duration as Wait;

const EMPLOYEE: &str = "employee@example.com";

async fn wait_for(browser: &Browser, css: &str) -> fantoccini::elements::Element {
    browser
        .client
        .wait()
        .at_most(Wait::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("waiting for {css}: {e}"))
}

async fn click(browser: &Browser, css: &str) {
    wait_for(browser, css)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

async fn attempt_id(browser: &Browser) -> uuid::Uuid {
    wait_for(browser, "#quiz-form").await;
    let path = browser.path().await;
    uuid::Uuid::parse_str(path.trim_start_matches("/attempts/")).expect("an attempt page")
}

async fn answer(browser: &Browser, sheet: &AnswerSheet) {
    for (number, positions) in &sheet.0 {
        for position in positions {
            click(browser, &format!("#q{number}-{position}")).await;
        }
    }
    click(browser, "#submit-answers").await;
}

/// With `CLEARED_SCREENSHOTS=<folder>` the journey saves what the learner sees (for the README).
async fn screenshot(browser: &Browser, name: &str) {
    if let Ok(folder) = std::env::var("CLEARED_SCREENSHOTS") {
        let png = browser.client.screenshot().await.expect("screenshot");
        std::fs::write(
            std::path::Path::new(&folder).join(format!("{name}.png")),
            png,
        )
        .expect("write screenshot");
    }
}

async fn journey(javascript: bool) {
    let app = TestApp::start(Backend::Sqlite).await.unwrap();
    app::demo::seed_demo(&app.db, now()).await.unwrap();
    let user = app::accounts::server::person_by_email(&app.db, EMPLOYEE)
        .await
        .unwrap()
        .id;
    // The learner has already worked through SMaC 101 up to its last lesson and last quiz.
    let course = app::courses::server::published_course(&app.db, "smac-101")
        .await
        .unwrap();
    let lessons: Vec<_> = course
        .content
        .modules
        .iter()
        .flat_map(|m| m.lessons.iter())
        .collect();
    let last_lesson = lessons.last().unwrap().slug.clone();
    let earlier: Vec<String> = lessons[..lessons.len() - 1]
        .iter()
        .map(|l| l.slug.clone())
        .collect();
    read_lessons(
        &app.db,
        user,
        "smac-101",
        &earlier,
        now() - Duration::hours(1),
    )
    .await;
    let quizzes = quizzes_of(&app.db, "smac-101").await;
    for quiz in &quizzes[..quizzes.len() - 1] {
        pass_quiz(&app.db, user, quiz, now()).await;
    }
    let last_quiz = quizzes.last().unwrap().clone();

    let browser = Browser::start(javascript).await;
    browser
        .sign_in(&app.base_url, EMPLOYEE, app::demo::DEMO_PASSWORD)
        .await;
    let clearance = wait_for(&browser, "#clearance").await.text().await.unwrap();
    assert!(clearance.contains("not cleared"), "{clearance}");
    if javascript {
        browser.wait_for_hydration().await;
        screenshot(&browser, "dashboard-not-cleared").await;
    }

    // Read the lesson: the dashboard's "what is missing" links to it.
    click(&browser, "#clearance a[href^='/courses/smac-101/lessons/']").await;
    wait_for(&browser, ".lesson-body").await;
    assert_eq!(
        browser.path().await,
        format!("/courses/smac-101/lessons/{last_lesson}")
    );
    // The learner takes the time to read it (moved into the past rather than waited for).
    app::entities::lesson_views::Entity::update_many()
        .col_expr(
            app::entities::lesson_views::Column::FirstViewedAt,
            sea_orm::sea_query::Expr::value(now() - Duration::hours(1)),
        )
        .exec(&app.db)
        .await
        .unwrap();
    click(&browser, ".complete-lesson button").await;

    // "Done" leads to the module's quiz; the first attempt fails.
    wait_for(&browser, "#start-attempt").await;
    assert_eq!(browser.path().await, format!("/quizzes/{last_quiz}"));
    click(&browser, "#start-attempt").await;
    let first = attempt_id(&browser).await;
    answer(&browser, &wrong_answers(&app.db, first).await).await;
    let result = wait_for(&browser, "#result").await.text().await.unwrap();
    assert!(result.starts_with("Not passed"), "{result}");
    if javascript {
        screenshot(&browser, "quiz-review").await;
    }
    // A failed attempt shows what was wrong, not the key.
    wait_for(&browser, "#key-withheld").await;
    assert!(
        browser
            .client
            .find_all(Locator::Css(".question-review .explanation"))
            .await
            .unwrap()
            .is_empty()
    );

    // The cool-down has passed (moved into the past rather than waited for).
    let row = quiz_attempts::Entity::find_by_id(first)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    quiz_attempts::Entity::update(quiz_attempts::ActiveModel {
        id: Set(first),
        started_at: Set(row.started_at - Duration::hours(1)),
        submitted_at: Set(row.submitted_at.map(|s| s - Duration::hours(1))),
        ..Default::default()
    })
    .exec(&app.db)
    .await
    .unwrap();

    click(&browser, "#review a.button").await;
    click(&browser, "#start-attempt").await;
    let second = attempt_id(&browser).await;
    assert_ne!(first, second);
    answer(&browser, &right_answers(&app.db, second).await).await;
    let result = wait_for(&browser, "#result").await.text().await.unwrap();
    assert!(result.starts_with("Passed"), "{result}");

    // Acknowledge the policy: the last requirement, so the certificate is issued.
    browser.client.goto(&app.url("/policy")).await.unwrap();
    click(&browser, "#acknowledge").await;
    wait_for(&browser, "#acknowledged").await;

    browser.client.goto(&app.url("/dashboard")).await.unwrap();
    let clearance = wait_for(&browser, "#clearance.cleared")
        .await
        .text()
        .await
        .unwrap();
    assert!(clearance.contains("You are cleared"), "{clearance}");
    if javascript {
        browser.wait_for_hydration().await;
        screenshot(&browser, "dashboard-cleared").await;
    }
    click(&browser, "table.certificates a").await;
    let status = wait_for(&browser, "#certificate-status")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(status, "valid");
    if javascript {
        screenshot(&browser, "certificate").await;
        // The print button is an island: once hydrated, it opens the print dialog.
        browser.wait_for_hydration().await;
        browser
            .client
            .execute(
                "window.print = () => { window.__printed = true; }; return null;",
                vec![],
            )
            .await
            .unwrap();
        click(&browser, "#print").await;
        let printed = browser
            .client
            .execute("return window.__printed || false;", vec![])
            .await
            .unwrap();
        assert_eq!(printed, serde_json::json!(true), "the print button works");
    }
    let verify = wait_for(&browser, "#verify-link")
        .await
        .attr("href")
        .await
        .unwrap()
        .unwrap();

    // The public verification page, in a signed-out browser.
    let visitor = Browser::start(javascript).await;
    visitor.client.goto(&app.url(&verify)).await.unwrap();
    let status = wait_for(&visitor, "#verification-status")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(status, "valid");
    let page = visitor.client.source().await.unwrap();
    assert!(
        page.contains("Emma Employee") && !page.contains(EMPLOYEE),
        "the holder's name and nothing else"
    );

    visitor.close().await;
    browser.close().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn learner_is_certified_and_cleared_in_the_browser() {
    journey(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn learner_journey_works_without_javascript() {
    journey(false).await;
}
