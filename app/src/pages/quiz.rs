//! `/quizzes/{quiz}` (settings, attempts, start) and `/attempts/{id}` (the questions of an
//! open attempt, or the review once it is submitted).

use crate::app::use_texts;
use crate::components::common::{FormError, Loading, date_time, duration_text, error_view};
use crate::components::guard::RequireRole;
use crate::courses::course_href;
use crate::courses::quiz_href;
use crate::quizzes::api::{StartQuiz, get_attempt, get_quiz};
use crate::quizzes::{
    AttemptPage, AttemptView, QuestionKind, QuizOverview, ReviewView, ScenarioView, StartBlocked,
    attempt_href,
};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn QuizPage() -> impl IntoView {
    view! {
        <RequireRole>
            {move || {
                let params = use_params_map();
                let quiz = Resource::new(move || params.read().get("quiz").unwrap_or_default(), get_quiz);
                view! {
                    <Suspense fallback=Loading>
                        {move || Suspend::new(async move {
                            match quiz.await {
                                Ok(quiz) => view! { <QuizBody quiz /> }.into_any(),
                                Err(e) => error_view(e),
                            }
                        })}
                    </Suspense>
                }
            }}
        </RequireRole>
    }
}

#[component]
fn QuizBody(quiz: QuizOverview) -> impl IntoView {
    let t = use_texts();
    let can_start = quiz.blocked.is_none();
    view! {
        <Title text=quiz.title.clone() />
        <section class="panel" aria-labelledby="page-title">
            <p class="muted"><a href=course_href(&quiz.course_slug)>{quiz.course_title.clone()}</a></p>
            <h1 id="page-title">{move || t.get().quiz_label}": "{quiz.title.clone()}</h1>
            <FormError />
            {quiz.passed.then(|| view! { <p class="status ok">"✓ "{move || t.get().passed}</p> })}
            <dl class="facts">
                <dt>{move || t.get().questions_per_attempt}</dt><dd>{quiz.question_count}</dd>
                <dt>{move || t.get().pass_mark}</dt><dd>{quiz.pass_percent}" %"</dd>
                <dt>{move || t.get().attempts_left}</dt><dd id="attempts-left">{quiz.attempts_left}" / "{quiz.max_attempts}</dd>
                <dt>{move || t.get().cooldown_label}</dt><dd>{quiz.cooldown_minutes}" "{move || t.get().minutes_short}</dd>
                <dt>{move || t.get().time_limit}</dt>
                <dd>{match quiz.time_limit_minutes {
                    Some(m) => view! { {m}" "{move || t.get().minutes_short} }.into_any(),
                    None => view! { {move || t.get().no_time_limit} }.into_any(),
                }}</dd>
            </dl>
            {match quiz.blocked.clone() {
                Some(StartBlocked::NoAttemptsLeft) => view! { <p class="error" role="status">{move || t.get().no_attempts_left}</p> }.into_any(),
                Some(StartBlocked::CoolingDown { until }) => view! { <p class="notice" role="status" id="cooldown">{move || t.get().cooling_down}" "{date_time(&until)}</p> }.into_any(),
                None => ().into_any(),
            }}
            {match quiz.open_attempt.clone() {
                Some(id) => view! { <p><a class="button" href=attempt_href(&id) id="resume-attempt">{move || t.get().resume_attempt}</a></p> }.into_any(),
                None => can_start.then(|| view! {
                    <form method="post" action=StartQuiz::PATH class="start-quiz">
                        <input type="hidden" name="slug" value=quiz.slug.clone() />
                        <button type="submit" class="button" id="start-attempt">{move || t.get().start_attempt}</button>
                    </form>
                }).into_any(),
            }}
        </section>
        {(!quiz.history.is_empty()).then(|| view! {
            <section class="panel" aria-labelledby="history-title">
                <h2 id="history-title">{move || t.get().attempt_history}</h2>
                <ul class="attempts">
                    {quiz.history.into_iter().map(|a| {
                        let outcome = match (a.passed, a.late) {
                            (_, true) => view! { <span class="status off">{move || t.get().failed}" ("{move || t.get().late}")"</span> }.into_any(),
                            (Some(true), _) => view! { <span class="status ok">{move || t.get().passed}</span> }.into_any(),
                            (Some(false), _) => view! { <span class="status off">{move || t.get().failed}</span> }.into_any(),
                            (None, _) => view! { <span class="status">{move || t.get().in_progress}</span> }.into_any(),
                        };
                        view! {
                            <li>
                                <a href=attempt_href(&a.id)>{date_time(&a.started_at)}</a>" — "
                                {a.score_percent.map(|s| format!("{s} % · "))}
                                {outcome}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        })}
    }
}

#[component]
fn ScenarioCard(scenario: ScenarioView) -> impl IntoView {
    view! {
        <figure class="scenario">
            <figcaption><strong>{scenario.author}</strong>" · "<span class="muted">{scenario.channel}</span></figcaption>
            <blockquote>{scenario.text}</blockquote>
        </figure>
    }
}

#[component]
pub fn AttemptRoute() -> impl IntoView {
    view! {
        <RequireRole>
            {move || {
                let params = use_params_map();
                let attempt = Resource::new(move || params.read().get("id").unwrap_or_default(), get_attempt);
                view! {
                    <Suspense fallback=Loading>
                        {move || Suspend::new(async move {
                            match attempt.await {
                                Ok(AttemptPage::Open(view)) => view! { <OpenAttempt attempt=view /> }.into_any(),
                                Ok(AttemptPage::Submitted(review)) => view! { <Review review /> }.into_any(),
                                Err(e) => error_view(e),
                            }
                        })}
                    </Suspense>
                }
            }}
        </RequireRole>
    }
}

#[component]
fn OpenAttempt(attempt: AttemptView) -> impl IntoView {
    let t = use_texts();
    let query = use_query_map();
    let lang = crate::app::use_lang();
    let error = move || {
        let query = query.read();
        crate::components::common::error_from_query(query.get("error"), query.get("n"))
    };
    view! {
        <Title text=attempt.quiz_title.clone() />
        <section class="panel" aria-labelledby="page-title">
            <h1 id="page-title">{move || t.get().quiz_label}": "{attempt.quiz_title.clone()}</h1>
            {attempt.deadline.map(|d| view! { <p class="notice" role="note">{move || t.get().submit_by}" "{date_time(&d)}</p> })}
            {move || error().map(|e| view! { <p class="error" role="alert" id="submit-error">{e.message(lang.get())}</p> })}
            <form method="post" action=attempt_href(&attempt.id) class="quiz-form" id="quiz-form">
                {attempt.questions.into_iter().map(|q| {
                    let name = format!("q{}", q.number);
                    let multiple = q.kind == QuestionKind::Multiple;
                    view! {
                        <fieldset class="question" id=format!("question-{}", q.number)>
                            <legend>{move || t.get().question}" "{q.number}": "{q.prompt.clone()}</legend>
                            {q.scenario.map(|scenario| view! { <ScenarioCard scenario /> })}
                            <p class="hint">{move || if multiple { t.get().choose_all } else { t.get().choose_one }}</p>
                            {q.options.into_iter().enumerate().map(|(position, text)| {
                                let id = format!("{name}-{position}");
                                let label_for = id.clone();
                                view! {
                                    <label class="option" for=label_for>
                                        <input
                                            type=if multiple { "checkbox" } else { "radio" }
                                            id=id
                                            name=name.clone()
                                            value=position.to_string()
                                            required=!multiple && position == 0
                                        />
                                        " "{text}
                                    </label>
                                }
                            }).collect_view()}
                        </fieldset>
                    }
                }).collect_view()}
                <button type="submit" class="button" id="submit-answers">{move || t.get().submit_answers}</button>
            </form>
        </section>
    }
}

#[component]
fn Review(review: ReviewView) -> impl IntoView {
    let t = use_texts();
    view! {
        <Title text=t.get_untracked().review_title />
        <section class="panel" aria-labelledby="page-title" id="review">
            <h1 id="page-title">{move || t.get().review_title}": "{review.quiz_title.clone()}</h1>
            <p class=if review.passed { "result passed" } else { "result failed" } id="result">
                <strong>{move || if review.passed { t.get().passed } else { t.get().failed }}</strong>
                " — "{move || t.get().score}": "{review.score_percent}" % ("{move || t.get().pass_mark}" "{review.pass_percent}" %)"
            </p>
            {review.late.then(|| view! { <p class="error">{move || t.get().late_notice}</p> })}
            <dl class="facts" id="attempt-evidence">
                <dt>{move || t.get().attempt_started}</dt><dd>{date_time(&review.started_at)}</dd>
                <dt>{move || t.get().attempt_submitted}</dt><dd>{date_time(&review.submitted_at)}</dd>
                <dt>{move || t.get().attempt_time_spent}</dt><dd>{duration_text(review.seconds_spent)}</dd>
            </dl>
            {(!review.key_shown).then(|| view! {
                <p class="notice" role="note" id="key-withheld">
                    {move || t.get().key_withheld}" "
                    <a href=course_href(&review.course_slug)>{move || t.get().reread_lessons}</a>
                </p>
            })}
            <p><a class="button secondary" href=quiz_href(&review.quiz_slug)>{move || t.get().back_to_quiz}</a></p>
        </section>
        {review.questions.into_iter().map(|q| view! {
            <section class="panel question-review" aria-label=format!("{} {}", t.get_untracked().question, q.number)>
                <h2>{move || t.get().question}" "{q.number}": "{q.prompt.clone()}</h2>
                {q.score_percent.map(|score| view! {
                    <p class=if score == 100 { "verdict right" } else { "verdict wrong" }>
                        {move || if score == 100 { t.get().answered_right } else { t.get().answered_wrong }}
                        " ("{score}" %)"
                    </p>
                })}
                {q.scenario.map(|scenario| view! { <ScenarioCard scenario /> })}
                <ul class="review-options">
                    {q.options.into_iter().map(|o| {
                        let class = match (o.chosen, o.correct) {
                            (true, Some(true)) => "chosen correct",
                            (true, Some(false)) => "chosen wrong",
                            (true, None) => "chosen",
                            (false, Some(true)) => "correct",
                            (false, _) => "",
                        };
                        view! {
                            <li class=class>
                                {o.text}
                                {o.chosen.then(|| view! { " "<span class="tag">{move || t.get().your_answer}</span> })}
                                {(o.correct == Some(true)).then(|| view! { " "<span class="tag ok">"✓ "{move || t.get().correct_answer}</span> })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
                {q.explanation.map(|explanation| view! { <p class="explanation"><strong>{move || t.get().explanation}": "</strong>{explanation}</p> })}
            </section>
        }).collect_view()}
    }
}
