//! Many people at once, on SQLite and PostgreSQL: every request succeeds and every write is
//! stored. Requests run concurrently on purpose: one at a time, tests hid that SQLite refused
//! simultaneous writers.

use app::accounts::Role;
use app::entities::{
    audit_events, certificates, lesson_completions, policy_acknowledgements, quiz_attempts,
};
use app::quizzes::server::{start_attempt, submit_attempt};
use cleared_tests::learning::*;
use cleared_tests::{TestApp, call, location, on_both_databases};
use futures::future::join_all;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

on_both_databases!(
    thirty_learners_write_at_once_and_all_succeed,
    twenty_starts_open_one_attempt_and_twenty_submissions_issue_one_certificate,
);

const LEARNERS: usize = 30;

async fn thirty_learners_write_at_once_and_all_succeed(app: &TestApp) {
    seed_curriculum(&app.db).await;
    let policy = app::policy::server::current_version(&app.db)
        .await
        .unwrap()
        .expect("a policy")
        .id
        .to_string();
    let lesson = first_lesson(&app.db, "smac-101").await;
    let quiz = quizzes_of(&app.db, "smac-101").await[0].clone();
    let clients = join_all((0..LEARNERS).map(|i| async move {
        app.actor(&format!("learner{i}@example.com"), &[Role::Employee])
            .await
    }))
    .await;
    for i in 0..LEARNERS {
        let user =
            app::accounts::server::person_by_email(&app.db, &format!("learner{i}@example.com"))
                .await
                .unwrap()
                .id;
        open_lesson_long_ago(&app.db, user, "smac-101", &lesson, cleared_tests::now()).await;
    }

    let outcomes = join_all(clients.iter().map(|client| {
        let (policy, lesson, quiz) = (&policy, &lesson, &quiz);
        async move {
            let acknowledged =
                call(client, app, "policy/acknowledge", &[("version_id", policy)]).await;
            assert_eq!(acknowledged.status(), StatusCode::OK, "acknowledge");
            let completed = call(
                client,
                app,
                "courses/complete_lesson",
                &[("course", "smac-101"), ("lesson", lesson)],
            )
            .await;
            assert_eq!(completed.status(), StatusCode::OK, "complete a lesson");
            let started = call(client, app, "quizzes/start", &[("slug", quiz)]).await;
            assert_eq!(started.status(), StatusCode::OK, "start an attempt");
            let href: String = started.json().await.unwrap();
            let attempt = uuid::Uuid::parse_str(href.trim_start_matches("/attempts/")).unwrap();
            let sheet = right_answers(&app.db, attempt).await;
            let submitted = client
                .post(app.url(&format!("/attempts/{attempt}")))
                .form(&form_fields(&sheet))
                .send()
                .await
                .unwrap();
            assert_eq!(submitted.status(), StatusCode::SEE_OTHER, "submit");
            assert_eq!(location(&submitted), format!("/attempts/{attempt}"));
        }
    }))
    .await;
    assert_eq!(outcomes.len(), LEARNERS);

    let stored = LEARNERS as u64;
    assert_eq!(
        policy_acknowledgements::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        stored
    );
    assert_eq!(
        lesson_completions::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        stored
    );
    assert_eq!(
        quiz_attempts::Entity::find()
            .filter(quiz_attempts::Column::SubmittedAt.is_not_null())
            .filter(quiz_attempts::Column::Passed.eq(true))
            .count(&app.db)
            .await
            .unwrap(),
        stored
    );
}

async fn twenty_starts_open_one_attempt_and_twenty_submissions_issue_one_certificate(
    app: &TestApp,
) {
    seed_curriculum(&app.db).await;
    let user = app.with_user("double@example.com", &[Role::Employee]).await;
    let now = cleared_tests::now();
    read_all_lessons(&app.db, user, "smac-101", now).await;
    acknowledge_current_policy(&app.db, user, now).await;
    let quizzes = quizzes_of(&app.db, "smac-101").await;
    let (last, earlier) = quizzes.split_last().unwrap();
    for quiz in earlier {
        pass_quiz(&app.db, user, quiz, now).await;
    }

    let starts = join_all((0..20u64).map(|seed| {
        let (db, quiz) = (app.db.clone(), last.clone());
        tokio::spawn(async move {
            let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(seed);
            start_attempt(&db, user, &quiz, now, &mut rng).await
        })
    }))
    .await;
    let ids: Vec<uuid::Uuid> = starts
        .into_iter()
        .map(|joined| joined.unwrap().expect("every start succeeds"))
        .collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "one attempt: {ids:?}");
    let open = quiz_attempts::Entity::find()
        .filter(quiz_attempts::Column::SubmittedAt.is_null())
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(open, 1);

    let sheet = right_answers(&app.db, ids[0]).await;
    let submissions = join_all((0..20).map(|_| {
        let (db, sheet, attempt) = (app.db.clone(), sheet.clone(), ids[0]);
        tokio::spawn(async move { submit_attempt(&db, user, attempt, &sheet, now).await })
    }))
    .await;
    for submitted in submissions {
        submitted.unwrap().expect("every submission succeeds");
    }
    let issued = certificates::Entity::find()
        .filter(certificates::Column::UserId.eq(user.0))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(issued, 1, "one certificate");
    let recorded = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq("certificate.issued"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(recorded, 1, "one audit event for it");
}

/// Building a router generates the route list, which once suppressed resource loading for
/// the whole process: a page rendering on another server at that moment never finished.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pages_render_while_other_routers_are_built() {
    let app = TestApp::start(cleared_tests::Backend::Sqlite)
        .await
        .expect("sqlite always runs");
    seed_curriculum(&app.db).await;
    let client = app.actor("reader@example.com", &[Role::Employee]).await;
    let config = server::config::Config::from_lookup(|name| {
        (name == "CLEARED_DATABASE_URL").then(|| app.database_url.clone())
    })
    .unwrap();
    let (db, building_config) = (app.db.clone(), config.clone());
    let building = tokio::task::spawn_blocking(move || {
        for _ in 0..300 {
            drop(server::build_router(db.clone(), building_config.clone()));
        }
    });
    let readers = join_all((0..4).map(|_| async {
        let mut rendered = 0;
        while rendered < 60 {
            let page = client
                .get(app.url("/courses/smac-101"))
                .timeout(std::time::Duration::from_secs(10))
                .send()
                .await
                .expect("the page renders while another router is built");
            assert_eq!(page.status(), StatusCode::OK);
            rendered += 1;
        }
    }))
    .await;
    assert_eq!(readers.len(), 4);
    building.await.unwrap();
    app.stop().await;
}
