//! `/courses`, `/courses/{course}` and `/courses/{course}/lessons/{lesson}`.

use crate::app::use_texts;
use crate::components::common::{FallbackNote, FormError, Loading, ProgressBar, error_view};
use crate::components::guard::RequireRole;
use crate::courses::api::{CompleteLesson, get_course, get_lesson, list_courses};
use crate::courses::{CoursePage, LessonPage, course_href, lesson_href, quiz_href};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn CatalogPage() -> impl IntoView {
    let t = use_texts();
    view! {
        <RequireRole>
            {move || {
                let courses = Resource::new(|| (), |_| list_courses());
                view! {
                    <Title text=t.get_untracked().courses_title />
                    <h1 id="page-title">{move || t.get().courses_title}</h1>
                    <Suspense fallback=Loading>
                        {move || Suspend::new(async move {
                            match courses.await {
                                Ok(list) if list.is_empty() => view! { <p>{move || t.get().no_courses}</p> }.into_any(),
                                Ok(list) => view! {
                                    <ul class="cards">
                                        {list.into_iter().map(|course| {
                                            let label = format!("{} {}", course.code, course.title);
                                            view! {
                                                <li class="card panel">
                                                    <h2><a href=course_href(&course.slug)>{course.code.clone()}" — "{course.title.clone()}</a></h2>
                                                    <p>{course.summary.clone()}</p>
                                                    <p class="muted">{course.minutes}" "{move || t.get().minutes_short}" · "{move || t.get().version_label}" "{course.version}</p>
                                                    <ProgressBar done=course.progress.steps_done() total=course.progress.steps_total() label />
                                                    {course.resume_href.clone().map(|href| view! { <p><a class="button small" href=href>{move || t.get().continue_label}</a></p> })}
                                                </li>
                                            }
                                        }).collect_view()}
                                    </ul>
                                }.into_any(),
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
pub fn CourseDetailPage() -> impl IntoView {
    view! {
        <RequireRole>
            {move || {
                let params = use_params_map();
                let page = Resource::new(move || params.read().get("course").unwrap_or_default(), get_course);
                view! {
                    <Suspense fallback=Loading>
                        {move || Suspend::new(async move {
                            match page.await {
                                Ok(page) => view! { <CourseBody page /> }.into_any(),
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
fn CourseBody(page: CoursePage) -> impl IntoView {
    let t = use_texts();
    let CoursePage {
        course,
        modules,
        fell_back,
    } = page;
    let label = format!("{} {}", course.code, course.title);
    let slug = course.slug.clone();
    view! {
        <Title text=format!("{} — {}", course.code, course.title) />
        <section class="panel" aria-labelledby="page-title">
            <p class="muted">{course.code.clone()}" · "{move || t.get().version_label}" "{course.version}</p>
            <h1 id="page-title">{course.title.clone()}</h1>
            <FallbackNote shown=fell_back />
            <p>{course.summary.clone()}</p>
            <ProgressBar done=course.progress.steps_done() total=course.progress.steps_total() label />
            {course.resume_href.clone().map(|href| view! { <p><a class="button" href=href id="resume">{move || t.get().continue_label}</a></p> })}
        </section>
        {modules.into_iter().enumerate().map(|(i, module)| {
            let slug = slug.clone();
            view! {
                <section class="panel module" aria-labelledby=format!("module-{i}")>
                    <h2 id=format!("module-{i}")>{i + 1}". "{module.title.clone()}</h2>
                    <ol class="lessons">
                        {module.lessons.into_iter().map(|lesson| view! {
                            <li class=if lesson.done { "done" } else { "" }>
                                <a href=lesson_href(&slug, &lesson.slug)>{lesson.title.clone()}</a>
                                " "<span class="muted">"("{lesson.minutes}" "{move || t.get().minutes_short}")"</span>
                                {lesson.done.then(|| view! { " "<span class="status ok">"✓ "{move || t.get().lesson_done}</span> })}
                            </li>
                        }).collect_view()}
                    </ol>
                    {module.quiz_slug.map(|quiz| view! {
                        <p class="quiz-link">
                            <a href=quiz_href(&quiz)>{move || t.get().quiz_label}": "{module.title.clone()}</a>
                            {module.quiz_passed.then(|| view! { " "<span class="status ok">"✓ "{move || t.get().quiz_passed}</span> })}
                        </p>
                    })}
                </section>
            }
        }).collect_view()}
    }
}

#[component]
pub fn LessonReaderPage() -> impl IntoView {
    view! {
        <RequireRole>
            {move || {
                let params = use_params_map();
                let page = Resource::new(
                    move || {
                        let p = params.read();
                        (p.get("course").unwrap_or_default(), p.get("lesson").unwrap_or_default())
                    },
                    |(course, lesson)| get_lesson(course, lesson),
                );
                view! {
                    <Suspense fallback=Loading>
                        {move || Suspend::new(async move {
                            match page.await {
                                Ok(page) => view! { <LessonBody page /> }.into_any(),
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
fn LessonBody(page: LessonPage) -> impl IntoView {
    let t = use_texts();
    let (course_slug, lesson_slug) = (page.course_slug.clone(), page.slug.clone());
    view! {
        <Title text=page.title.clone() />
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href=course_href(&page.course_slug)>{page.course_title.clone()}</a>" › "{page.module_title.clone()}
        </nav>
        <article class="panel lesson" aria-labelledby="page-title">
            <h1 id="page-title">{page.title.clone()}</h1>
            <p class="muted">{page.minutes}" "{move || t.get().minutes_short}</p>
            <FallbackNote shown=page.fell_back />
            <div class="lesson-body" inner_html=page.html.clone()></div>
            <footer class="lesson-end" id="lesson-end">
                <FormError />
                {if page.done {
                    view! {
                        <p class="notice" role="status">{move || t.get().lesson_completed}</p>
                        <p><a class="button" href=page.after_done_href.clone()>{move || t.get().next}</a></p>
                    }.into_any()
                } else {
                    view! {
                        <form method="post" action=CompleteLesson::PATH class="complete-lesson">
                            <input type="hidden" name="course" value=course_slug.clone() />
                            <input type="hidden" name="lesson" value=lesson_slug.clone() />
                            <button type="submit" class="button">{move || t.get().mark_done}</button>
                        </form>
                    }.into_any()
                }}
            </footer>
        </article>
        <nav class="pager" aria-label=move || t.get().back_to_course>
            {page.previous_href.clone().map(|href| view! { <a href=href rel="prev">"← "{move || t.get().previous}</a> })}
            <a href=course_href(&page.course_slug)>{move || t.get().back_to_course}</a>
            {page.next_href.clone().map(|href| view! { <a href=href rel="next">{move || t.get().next}" →"</a> })}
        </nav>
    }
}
