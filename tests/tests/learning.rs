//! The learner journey's rules, on SQLite and PostgreSQL: grading, attempts, cool-down, time
//! limits, idempotent submission, certification on the last requirement, expiry, renewal
//! from the old expiry, policy re-acknowledgement — and that nothing reveals the answers early.

use app::accounts::Role;
use app::certification::CertificateStatus;
use app::clearance::Missing;
use app::entities::{certificates, lesson_completions, lesson_views, quiz_attempts};
use app::error::DomainError;
use app::i18n::Lang;
use app::quizzes::server::{start_attempt, submit_attempt};
use chrono::{Duration, Months};
use cleared_tests::learning::*;
use cleared_tests::{TestApp, call, location, now, on_both_databases, page_text};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

on_both_databases!(
    quiz_page_and_responses_do_not_reveal_answers,
    failing_shows_review_and_cooldown_then_pass,
    attempts_are_limited,
    submitting_twice_records_one_result,
    late_submission_scores_zero,
    malformed_or_foreign_submissions_change_nothing,
    certificate_is_issued_with_the_last_requirement,
    clearance_ends_with_expiry_and_renewal_extends_from_old_expiry,
    new_policy_version_requires_reacknowledgement,
    lesson_reader_sanitises_and_tracks_progress,
    public_policy_and_verification,
    unreadable_stored_data_is_a_server_fault,
);

fn rng() -> rand::rngs::StdRng {
    <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(42)
}

async fn quiz_page_and_responses_do_not_reveal_answers(app: &TestApp) {
    seed_curriculum(&app.db).await;
    let client = app.actor("lea@example.com", &[Role::Employee]).await;
    let quiz = &quizzes_of(&app.db, "smac-101").await[0];
    let mut bodies = Vec::new();
    bodies.push(
        client
            .get(app.url(&format!("/quizzes/{quiz}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    bodies.push(
        call(&client, app, "quizzes/get", &[("slug", quiz)])
            .await
            .text()
            .await
            .unwrap(),
    );
    let started = call(&client, app, "quizzes/start", &[("slug", quiz)]).await;
    assert_eq!(started.status(), StatusCode::OK);
    bodies.push(started.text().await.unwrap());
    let attempt = quiz_attempts::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string();
    let page = client
        .get(app.url(&format!("/attempts/{attempt}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    bodies.push(page.text().await.unwrap());
    bodies.push(
        call(&client, app, "quizzes/attempt", &[("id", &attempt)])
            .await
            .text()
            .await
            .unwrap(),
    );

    let loaded = app::quizzes::server::load_quiz(&app.db, quiz)
        .await
        .unwrap();
    for body in &bodies {
        assert!(!body.contains("\"correct\""), "an answer key field leaked");
        for question in &loaded.content.questions {
            for lang in [Lang::En, Lang::De] {
                let explanation = question.explanation.text(lang);
                assert!(
                    !body.contains(&explanation),
                    "the explanation of {} leaked",
                    question.slug
                );
            }
        }
    }
    // The page shows the drawn questions as a form that posts to the server.
    assert!(bodies[3].contains(&format!("action=\"/attempts/{attempt}\"")));
    assert_eq!(
        bodies[3].matches("class=\"question\"").count(),
        loaded.content.settings.draw as usize
    );
}

async fn failing_shows_review_and_cooldown_then_pass(app: &TestApp) {
    seed_curriculum(&app.db).await;
    let client = app.actor("max@example.com", &[Role::Employee]).await;
    let user = app::accounts::server::person_by_email(&app.db, "max@example.com")
        .await
        .unwrap()
        .id;
    let quiz = &quizzes_of(&app.db, "smac-101").await[0];
    call(&client, app, "quizzes/start", &[("slug", quiz)]).await;
    let attempt = quiz_attempts::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id;

    // Submit wrong answers through the real form post.
    let wrong = wrong_answers(&app.db, attempt).await;
    let fields: Vec<(String, String)> = wrong
        .0
        .iter()
        .map(|(n, p)| (format!("q{n}"), p[0].to_string()))
        .collect();
    let response = client
        .post(app.url(&format!("/attempts/{attempt}")))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), format!("/attempts/{attempt}"));
    let review = page_text(
        &client
            .get(app.url(&location(&response)))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    assert!(
        review.contains("Not passed") && review.contains("Score: 0 %"),
        "{review}"
    );
    let loaded = app::quizzes::server::load_quiz(&app.db, quiz)
        .await
        .unwrap();
    // A failed attempt says which answers were wrong, but neither the key nor the
    // explanations that would name it.
    let explains = |page: &str| {
        loaded
            .content
            .questions
            .iter()
            .any(|q| page.contains(&q.explanation.text(Lang::En)))
    };
    assert!(!explains(&review), "no explanation before a pass");
    assert!(!review.contains("correct answer"), "no key before a pass");
    assert!(
        !review.contains("Not answered right.") && !review.contains("Answered right."),
        "no per-question verdicts before a pass: they would narrow the key down"
    );
    assert!(review.contains("are shown once you have passed this quiz"));
    assert!(
        review.contains("Time spent"),
        "the attempt's evidence is shown"
    );
    let api = call(
        &client,
        app,
        "quizzes/attempt",
        &[("id", &attempt.to_string())],
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(
        !api.contains("\"correct\":true") && !api.contains("\"correct\":false"),
        "{api}"
    );

    // Cool-down: a new attempt cannot start yet.
    let now = now();
    let blocked = start_attempt(&app.db, user, quiz, now, &mut rng()).await;
    assert!(
        matches!(blocked, Err(DomainError::Conflict(_))),
        "cool-down applies"
    );
    let refused = call(&client, app, "quizzes/start", &[("slug", quiz)]).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);

    // After the cool-down a new attempt with the right answers passes.
    let later = now + Duration::minutes(i64::from(loaded.content.settings.cooldown_minutes) + 1);
    let second = start_attempt(&app.db, user, quiz, later, &mut rng())
        .await
        .unwrap();
    let right = right_answers(&app.db, second).await;
    submit_attempt(&app.db, user, second, &right, later)
        .await
        .unwrap();
    let row = quiz_attempts::Entity::find_by_id(second)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((row.score_percent, row.passed), (Some(100), Some(true)));
    // Once passed, the earlier failed attempt shows the key and the explanations.
    let after_pass = page_text(
        &client
            .get(app.url(&format!("/attempts/{attempt}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    assert!(explains(&after_pass) && after_pass.contains("correct answer"));
}

async fn attempts_are_limited(app: &TestApp) {
    seed_curriculum(&app.db).await;
    let user = app.with_user("nia@example.com", &[Role::Employee]).await;
    let quiz = &quizzes_of(&app.db, "smac-301").await[0];
    let settings = app::quizzes::server::load_quiz(&app.db, quiz)
        .await
        .unwrap()
        .content
        .settings;
    let mut now = now();
    for _ in 0..settings.max_attempts {
        let attempt = start_attempt(&app.db, user, quiz, now, &mut rng())
            .await
            .unwrap();
        let wrong = wrong_answers(&app.db, attempt).await;
        submit_attempt(&app.db, user, attempt, &wrong, now)
            .await
            .unwrap();
        now += Duration::hours(1);
    }
    let refused = start_attempt(&app.db, user, quiz, now + Duration::days(30), &mut rng()).await;
    assert!(matches!(
        refused,
        Err(DomainError::Conflict(app::problem::Problem::NoAttemptsLeft))
    ));
}

async fn submitting_twice_records_one_result(app: &TestApp) {
    seed_curriculum(&app.db).await;
    let user = app.with_user("oli@example.com", &[Role::Employee]).await;
    let quiz = &quizzes_of(&app.db, "smac-101").await[1];
    let now = now();
    // A double click on "start" gives one attempt.
    let attempt = start_attempt(&app.db, user, quiz, now, &mut rng())
        .await
        .unwrap();
    assert_eq!(
        start_attempt(&app.db, user, quiz, now, &mut rng())
            .await
            .unwrap(),
        attempt
    );
    let right = right_answers(&app.db, attempt).await;
    let wrong = wrong_answers(&app.db, attempt).await;
    submit_attempt(&app.db, user, attempt, &right, now)
        .await
        .unwrap();
    // A retry with other answers changes nothing.
    submit_attempt(&app.db, user, attempt, &wrong, now + Duration::seconds(1))
        .await
        .unwrap();
    let rows = quiz_attempts::Entity::find()
        .filter(quiz_attempts::Column::UserId.eq(user.0))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].score_percent, rows[0].passed, rows[0].submitted_at),
        (Some(100), Some(true), Some(now))
    );
}

async fn late_submission_scores_zero(app: &TestApp) {
    seed_curriculum(&app.db).await;
    let user = app.with_user("pia@example.com", &[Role::Employee]).await;
    // A SMaC 101 quiz with a time limit.
    let mut timed = None;
    for slug in quizzes_of(&app.db, "smac-101").await {
        let settings = app::quizzes::server::load_quiz(&app.db, &slug)
            .await
            .unwrap()
            .content
            .settings;
        if let Some(limit) = settings.time_limit_minutes {
            timed = Some((slug, limit));
        }
    }
    let (quiz, limit) = timed.expect("a quiz with a time limit");
    let start = now();
    let attempt = start_attempt(&app.db, user, &quiz, start, &mut rng())
        .await
        .unwrap();
    let right = right_answers(&app.db, attempt).await;
    let late = start + Duration::minutes(i64::from(limit)) + Duration::seconds(16);
    submit_attempt(&app.db, user, attempt, &right, late)
        .await
        .unwrap();
    let row = quiz_attempts::Entity::find_by_id(attempt)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (row.late, row.passed, row.score_percent),
        (true, Some(false), Some(0))
    );

    // Within the grace period a submission still counts.
    let cooldown = app::quizzes::server::load_quiz(&app.db, &quiz)
        .await
        .unwrap()
        .content
        .settings
        .cooldown_minutes;
    let start = late + Duration::minutes(i64::from(cooldown) + 1);
    let attempt = start_attempt(&app.db, user, &quiz, start, &mut rng())
        .await
        .unwrap();
    let right = right_answers(&app.db, attempt).await;
    submit_attempt(
        &app.db,
        user,
        attempt,
        &right,
        start + Duration::minutes(i64::from(limit)) + Duration::seconds(5),
    )
    .await
    .unwrap();
    let row = quiz_attempts::Entity::find_by_id(attempt)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((row.late, row.passed), (false, Some(true)));
}

async fn malformed_or_foreign_submissions_change_nothing(app: &TestApp) {
    seed_curriculum(&app.db).await;
    let owner = app.actor("quinn@example.com", &[Role::Employee]).await;
    let stranger = app.actor("rob@example.com", &[Role::Employee]).await;
    let quiz = &quizzes_of(&app.db, "smac-101").await[0];
    call(&owner, app, "quizzes/start", &[("slug", quiz)]).await;
    let attempt = quiz_attempts::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let path = format!("/attempts/{attempt}");
    let cases: &[&[(&str, &str)]] = &[
        &[("q1", "0")], // questions missing
        &[
            ("q1", "0"),
            ("q2", "0"),
            ("q3", "0"),
            ("q4", "0"),
            ("q5", "9"),
        ], // option not offered
        &[("q1", "x")], // not a number
        &[
            ("q1", "0"),
            ("q2", "0"),
            ("q3", "0"),
            ("q4", "0"),
            ("q5", "0"),
            ("q6", "0"),
        ], // not in the attempt
    ];
    for fields in cases {
        let response = owner
            .post(app.url(&path))
            .form(fields)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert!(
            location(&response).starts_with(&format!("{path}?error=")),
            "{fields:?}: {}",
            location(&response)
        );
    }
    let row = quiz_attempts::Entity::find_by_id(attempt)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(row.submitted_at.is_none(), "nothing was recorded");
    let (_, missing) = {
        let response = owner
            .post(app.url(&path))
            .form(&[("q1", "0")])
            .send()
            .await
            .unwrap();
        (response.status(), location(&response))
    };
    assert_eq!(missing, format!("{path}?error=question_unanswered&n=2"));
    let shown = |query: String| {
        let owner = owner.clone();
        let url = app.url(&format!("{path}?{query}"));
        async move { page_text(&owner.get(url).send().await.unwrap().text().await.unwrap()) }
    };
    assert!(
        shown("error=question_unanswered&n=2".into())
            .await
            .contains("Question 2 has no answer.")
    );
    // The code is worded in the reader's language; free text in the URL is never shown.
    let german = owner
        .get(app.url(&format!("{path}?error=question_unanswered&n=2")))
        .header("accept-language", "de")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page_text(&german).contains("Frage 2 ist nicht beantwortet."));
    let forged = shown("error=Your+account+was+compromised%2C+call+0800".into()).await;
    assert!(
        !forged.contains("compromised"),
        "free text in ?error= is not shown"
    );
    assert!(!forged.contains("id=\"submit-error\""));

    // Someone else's attempt: not found, whether reading or submitting.
    assert_eq!(
        stranger.get(app.url(&path)).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let right = right_answers(&app.db, attempt).await;
    let fields: Vec<(String, String)> = right
        .0
        .iter()
        .map(|(n, p)| (format!("q{n}"), p[0].to_string()))
        .collect();
    assert_eq!(
        stranger
            .post(app.url(&path))
            .form(&fields)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        call(
            &stranger,
            app,
            "quizzes/attempt",
            &[("id", &attempt.to_string())]
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
    for unknown in [
        "/attempts/not-a-uuid",
        "/quizzes/no-such-quiz",
        "/courses/no-such-course",
    ] {
        let status = stranger
            .get(app.url(unknown))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, StatusCode::NOT_FOUND, "{unknown}");
    }
    let row = quiz_attempts::Entity::find_by_id(attempt)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(row.submitted_at.is_none());
}

async fn certificate_is_issued_with_the_last_requirement(app: &TestApp) {
    seed_curriculum(&app.db).await;
    let user = app.with_user("sam@example.com", &[Role::Employee]).await;
    let now = now();
    complete_course(&app.db, user, "smac-101", now).await;
    assert!(
        certificates::Entity::find()
            .all(&app.db)
            .await
            .unwrap()
            .is_empty(),
        "the policy is still missing"
    );
    let clearance = app::clearance::server::personal_clearance(&app.db, user, Lang::En, now)
        .await
        .unwrap();
    assert!(!clearance.cleared);
    assert!(
        matches!(
            clearance.missing.as_slice(),
            [Missing::PolicyAcknowledgement { .. }]
        ),
        "{:?}",
        clearance.missing
    );

    acknowledge_current_policy(&app.db, user, now).await;
    let issued = certificates::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(issued.len(), 1, "exactly the Enthusiast certificate");
    assert_eq!(
        issued[0].issued_at, now,
        "issued by the acknowledgement's transaction"
    );
    assert_eq!(
        issued[0].expires_at,
        now.checked_add_months(Months::new(12)).unwrap()
    );
    let clearance = app::clearance::server::personal_clearance(&app.db, user, Lang::En, now)
        .await
        .unwrap();
    assert!(clearance.cleared);
    assert_eq!(clearance.until, Some(issued[0].expires_at));

    // Acknowledging again issues nothing more.
    acknowledge_current_policy(&app.db, user, now).await;
    assert_eq!(
        certificates::Entity::find()
            .all(&app.db)
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn clearance_ends_with_expiry_and_renewal_extends_from_old_expiry(app: &TestApp) {
    seed_curriculum(&app.db).await;
    let user = app.with_user("tia@example.com", &[Role::Employee]).await;
    let start = now();
    acknowledge_current_policy(&app.db, user, start).await;
    complete_course(&app.db, user, "smac-101", start).await;
    let first = certificates::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .expect("issued on the last quiz");
    let clear = |at| async move {
        app::clearance::server::personal_clearance(&app.db, user, Lang::En, at)
            .await
            .unwrap()
    };

    // Without renewal, clearance ends at expiry and says why.
    let after = first.expires_at + Duration::days(1);
    let lapsed = clear(after).await;
    assert!(!lapsed.cleared);
    assert!(
        lapsed
            .missing
            .iter()
            .any(|m| matches!(m, Missing::CertificateEnded { revoked: false, .. })),
        "{:?}",
        lapsed.missing
    );
    assert!(
        lapsed
            .missing
            .iter()
            .any(|m| matches!(m, Missing::RenewalQuiz { .. }))
    );

    // Outside the window passing again renews nothing.
    let early = first.expires_at - Duration::days(60);
    pass_quiz(
        &app.db,
        user,
        &quizzes_of(&app.db, "smac-101").await[0],
        early,
    )
    .await;
    assert_eq!(
        certificates::Entity::find()
            .all(&app.db)
            .await
            .unwrap()
            .len(),
        1
    );

    // Inside the window: the renewal runs from the old expiry, not from today.
    let in_window = first.expires_at - Duration::days(10);
    let offers = app::clearance::server::open_renewals(&app.db, user, Lang::En, in_window)
        .await
        .unwrap();
    assert_eq!(offers.len(), 1);
    for quiz in quizzes_of(&app.db, "smac-101").await {
        pass_quiz(&app.db, user, &quiz, in_window).await;
    }
    let all = certificates::Entity::find()
        .filter(certificates::Column::UserId.eq(user.0))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(all.len(), 2, "the old certificate stays");
    let renewal = all
        .iter()
        .find(|c| c.renewed_from == Some(first.id))
        .expect("a renewal");
    assert_eq!(renewal.valid_from, first.expires_at);
    assert_eq!(
        renewal.expires_at,
        first
            .expires_at
            .checked_add_months(Months::new(12))
            .unwrap()
    );
    let renewed = clear(after).await;
    assert!(renewed.cleared);
    assert_eq!(renewed.until, Some(renewal.expires_at));
    let history = app::certification::server::certificates_of(&app.db, user, Lang::En, in_window)
        .await
        .unwrap();
    assert_eq!(
        history.iter().map(|c| c.status).collect::<Vec<_>>(),
        vec![CertificateStatus::NotYetValid, CertificateStatus::Valid]
    );
}

async fn new_policy_version_requires_reacknowledgement(app: &TestApp) {
    seed_curriculum(&app.db).await;
    let user = app.with_user("uma@example.com", &[Role::Employee]).await;
    let now = now();
    acknowledge_current_policy(&app.db, user, now).await;
    complete_course(&app.db, user, "smac-101", now).await;
    assert!(
        app::clearance::server::personal_clearance(&app.db, user, Lang::En, now)
            .await
            .unwrap()
            .cleared
    );

    let content = app::policy::server::PolicyContent {
        title: app::content::Localized(
            [("en".to_string(), "Policy v3".to_string())]
                .into_iter()
                .collect(),
        ),
        summary_of_changes: Default::default(),
        body: app::content::Localized(
            [("en".to_string(), "New rules.".to_string())]
                .into_iter()
                .collect(),
        ),
    };
    // A version that does not require re-acknowledgement leaves clearance alone…
    app::policy::server::publish_policy_version(&app.db, 4, false, &content, now)
        .await
        .unwrap();
    assert!(
        app::clearance::server::personal_clearance(&app.db, user, Lang::En, now)
            .await
            .unwrap()
            .cleared
    );
    // …one that does ends it until the person acknowledges.
    app::policy::server::publish_policy_version(&app.db, 5, true, &content, now)
        .await
        .unwrap();
    let clearance = app::clearance::server::personal_clearance(&app.db, user, Lang::En, now)
        .await
        .unwrap();
    assert!(!clearance.cleared);
    assert_eq!(
        clearance.missing,
        vec![Missing::PolicyAcknowledgement { version: 5 }]
    );
    // An old version can no longer be acknowledged.
    let old = app::entities::policy_versions::Entity::find()
        .filter(app::entities::policy_versions::Column::Version.eq(1))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(
        app::policy::server::acknowledge(&app.db, user, old.id, now).await,
        Err(DomainError::Conflict(_))
    ));
    acknowledge_current_policy(&app.db, user, now).await;
    assert!(
        app::clearance::server::personal_clearance(&app.db, user, Lang::En, now)
            .await
            .unwrap()
            .cleared
    );
}

async fn lesson_reader_sanitises_and_tracks_progress(app: &TestApp) {
    seed_curriculum(&app.db).await;
    let client = app.actor("vic@example.com", &[Role::Employee]).await;
    let course = app::courses::server::published_course(&app.db, "smac-101")
        .await
        .unwrap();
    let first = &course.content.modules[0].lessons[0];
    let second = &course.content.modules[0].lessons[1];
    let page = client
        .get(app.url(&format!("/courses/smac-101/lessons/{}", first.slug)))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("class=\"lesson-body\""));
    assert!(!html.contains("<script>alert"), "lesson HTML is sanitised");
    // Opened a moment ago: "I have read this lesson" is refused, with how long is left.
    let too_soon = call(
        &client,
        app,
        "courses/complete_lesson",
        &[("course", "smac-101"), ("lesson", &first.slug)],
    )
    .await;
    assert_eq!(too_soon.status(), StatusCode::CONFLICT);
    assert!(too_soon.text().await.unwrap().contains("read_too_fast"));
    assert_eq!(
        lesson_completions::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        0,
        "nothing is recorded"
    );
    let user = app::accounts::server::person_by_email(&app.db, "vic@example.com")
        .await
        .unwrap()
        .id;
    // The first opening counts: opening it again does not restart the clock.
    let opened = chrono::Utc::now()
        - Duration::seconds(app::courses::server::minimum_reading_seconds(first) + 5);
    lesson_views::Entity::update_many()
        .col_expr(
            lesson_views::Column::FirstViewedAt,
            sea_orm::sea_query::Expr::value(opened),
        )
        .filter(lesson_views::Column::UserId.eq(user.0))
        .exec(&app.db)
        .await
        .unwrap();
    let done = call(
        &client,
        app,
        "courses/complete_lesson",
        &[("course", "smac-101"), ("lesson", &first.slug)],
    )
    .await;
    assert_eq!(done.status(), StatusCode::OK);
    let evidence = lesson_completions::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(
        evidence
            .seconds_spent
            .is_some_and(|s| i64::from(s) >= app::courses::server::minimum_reading_seconds(first)),
        "the reading time is kept: {evidence:?}"
    );
    // The next lesson's clock starts no earlier than the last one was marked read: opening
    // every lesson at once gains nothing.
    open_lesson_long_ago(&app.db, user, "smac-101", &second.slug, chrono::Utc::now()).await;
    let too_soon = call(
        &client,
        app,
        "courses/complete_lesson",
        &[("course", "smac-101"), ("lesson", &second.slug)],
    )
    .await;
    assert_eq!(too_soon.status(), StatusCode::CONFLICT);
    lesson_completions::Entity::update_many()
        .col_expr(
            lesson_completions::Column::CompletedAt,
            sea_orm::sea_query::Expr::value(chrono::Utc::now() - Duration::minutes(30)),
        )
        .exec(&app.db)
        .await
        .unwrap();
    let catalog = call(&client, app, "courses/list", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(catalog.contains("\"lessons_done\":1"), "{catalog}");
    assert!(
        catalog.contains(&format!("/courses/smac-101/lessons/{}", second.slug)),
        "resume points at the next lesson"
    );
    // Without JavaScript the form post is followed by a redirect to the next lesson.
    let form = client
        .post(app.url("/api/courses/complete_lesson"))
        .header(
            "referer",
            app.url(&format!("/courses/smac-101/lessons/{}", second.slug)),
        )
        .form(&[("course", "smac-101"), ("lesson", second.slug.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::FOUND);
    assert!(
        location(&form).starts_with("/courses/smac-101/lessons/"),
        "{}",
        location(&form)
    );
    // A German reader gets German text.
    call(&client, app, "set_language", &[("lang", "de")]).await;
    let german = client
        .get(app.url("/courses/smac-101"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(german.contains(&course.content.title.text(Lang::De)));
    assert_eq!(
        call(
            &client,
            app,
            "courses/lesson",
            &[("course", "smac-101"), ("lesson", "nope")]
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
}

async fn public_policy_and_verification(app: &TestApp) {
    seed_curriculum(&app.db).await;
    let visitor = app.client();
    let policy = visitor.get(app.url("/policy")).send().await.unwrap();
    assert_eq!(policy.status(), StatusCode::OK, "the policy is public");
    let text = page_text(&policy.text().await.unwrap());
    assert!(text.contains("Sign in to acknowledge"));
    assert_eq!(
        visitor
            .get(app.url("/verify/NOPE-NOPE-NOPE"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );

    let user = app.with_user("wes@example.com", &[Role::Employee]).await;
    let now = now();
    acknowledge_current_policy(&app.db, user, now).await;
    complete_course(&app.db, user, "smac-101", now).await;
    let certificate = certificates::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let verify = visitor
        .get(app.url(&format!("/verify/{}", certificate.verification_code)))
        .send()
        .await
        .unwrap();
    assert_eq!(verify.status(), StatusCode::OK);
    let text = page_text(&verify.text().await.unwrap());
    assert!(
        text.contains("Test wes@example.com")
            && text.contains("Social Media Enthusiast")
            && text.contains("valid"),
        "{text}"
    );
    assert!(
        !text.contains("wes@example.com\""),
        "no email beyond the display name"
    );
    let json = call(
        &visitor,
        app,
        "certificates/verify",
        &[("code", &certificate.verification_code)],
    )
    .await
    .text()
    .await
    .unwrap();
    let fields: serde_json::Value = serde_json::from_str(&json).unwrap();
    let mut keys: Vec<&str> = fields
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "certification",
            "expires_at",
            "holder_name",
            "issued_at",
            "status",
            "valid_from"
        ]
    );
    // The certificate page itself belongs to its holder.
    let stranger = app.actor("xan@example.com", &[Role::Employee]).await;
    assert_eq!(
        stranger
            .get(app.url(&format!("/certificates/{}", certificate.id)))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    let (holder, _) = app
        .sign_in("wes@example.com", cleared_tests::PASSWORD)
        .await;
    assert_eq!(
        holder
            .get(app.url(&format!("/certificates/{}", certificate.id)))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
}

/// Stored JSON that cannot be read is our fault, not the reader's: 500 with a friendly page,
/// never a 400 that shows the parser's message.
async fn unreadable_stored_data_is_a_server_fault(app: &TestApp) {
    seed_curriculum(&app.db).await;
    let client = app.actor("uma@example.com", &[Role::Employee]).await;
    let quiz = &quizzes_of(&app.db, "smac-101").await[0];
    call(&client, app, "quizzes/start", &[("slug", quiz)]).await;
    let attempt = quiz_attempts::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    quiz_attempts::Entity::update(quiz_attempts::ActiveModel {
        id: sea_orm::ActiveValue::Set(attempt.id),
        presented: sea_orm::ActiveValue::Set("{not json".into()),
        ..Default::default()
    })
    .exec(&app.db)
    .await
    .unwrap();
    let id = attempt.id.to_string();
    let api = call(&client, app, "quizzes/attempt", &[("id", &id)]).await;
    assert_eq!(api.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = api.text().await.unwrap();
    assert!(
        body.contains("Internal") && !body.contains("expected"),
        "{body}"
    );
    let page = client
        .get(app.url(&format!("/attempts/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let text = page_text(&page.text().await.unwrap());
    assert!(
        text.contains("Something went wrong on the server"),
        "{text}"
    );
    assert!(!text.contains("key must be a string"), "{text}");
}
