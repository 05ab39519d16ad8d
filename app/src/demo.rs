//! The demo data set: one person of each role plus a few dozen employees, the SMaC
//! curriculum (original text in English and German, in `app/demo/*.toml`), the policy with
//! two versions and the two certifications — so a new user sees a living system. Loading it
//! twice changes nothing.

use crate::accounts::server::{create_person, find_user_by_email, hash_password};
use crate::accounts::{NewPerson, Role};
use crate::certification::server::{CertificationContent, define_certification};
use crate::content::Localized;
use crate::courses::server::{
    CourseContent, CourseDraft, LessonContent, ModuleContent, publish_course, validate_draft,
};
use crate::entities::users;
use crate::error::DomainError;
use crate::i18n::Lang;
use crate::official_accounts::server::{AccountDefinition, define_account};
use crate::policy::server::{PolicyContent, publish_policy_version};
use crate::quizzes::server::{OptionContent, QuestionContent, QuizContent, QuizSettings, Scenario};
use crate::quizzes::{QuestionKind, Scoring};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, EntityTrait, Set, TransactionTrait};
use serde::Deserialize;

pub const DEMO_PASSWORD: &str = "cleared-demo";

/// The accounts a person can sign in with, as `(email, roles)`.
pub const DEMO_ACCOUNTS: [(&str, &str, Role); 4] = [
    ("employee@example.com", "Emma Employee", Role::Employee),
    ("trainer@example.com", "Tom Trainer", Role::Trainer),
    (
        "compliance@example.com",
        "Carla Compliance",
        Role::Compliance,
    ),
    ("admin@example.com", "Adam Admin", Role::Admin),
];

const FIRST_NAMES: [&str; 12] = [
    "Lena", "Jonas", "Aoife", "Priya", "Mateus", "Yuki", "Sophie", "Lukas", "Ciara", "Arjun",
    "Beatriz", "Haruto",
];
const LAST_NAMES: [&str; 9] = [
    "Becker", "Murphy", "Sharma", "Costa", "Tanaka", "Wagner", "Byrne", "Iyer", "Silva",
];
const DEPARTMENTS: [&str; 6] = [
    "Customer Support",
    "Sales",
    "Marketing",
    "Communications",
    "Engineering",
    "Human Resources",
];
const COUNTRIES: [(&str, Lang); 6] = [
    ("DE", Lang::De),
    ("US", Lang::En),
    ("IE", Lang::En),
    ("IN", Lang::En),
    ("AT", Lang::De),
    ("GB", Lang::En),
];
const GENERATED_EMPLOYEES: usize = 36;

/// What `seed_demo` did, for the command line to report.
#[derive(Debug, Default, PartialEq)]
pub struct SeedReport {
    pub created: usize,
    pub already_present: usize,
    pub course_versions_published: usize,
}

const COURSE_FILES: [(&str, &str); 3] = [
    ("smac-101.toml", include_str!("../demo/smac-101.toml")),
    ("smac-201.toml", include_str!("../demo/smac-201.toml")),
    ("smac-301.toml", include_str!("../demo/smac-301.toml")),
];
const POLICY_FILE: &str = include_str!("../demo/policy.toml");

#[derive(Deserialize)]
struct CourseFile {
    slug: String,
    code: String,
    title: Localized,
    summary: Localized,
    modules: Vec<ModuleFile>,
}

#[derive(Deserialize)]
struct ModuleFile {
    slug: String,
    title: Localized,
    lessons: Vec<LessonContent>,
    quiz: Option<QuizFile>,
}

#[derive(Deserialize)]
struct QuizFile {
    slug: String,
    draw: u32,
    pass_percent: u32,
    max_attempts: u32,
    cooldown_minutes: u32,
    time_limit_minutes: Option<u32>,
    questions: Vec<QuestionFile>,
}

#[derive(Deserialize)]
struct QuestionFile {
    slug: String,
    kind: QuestionKind,
    #[serde(default)]
    scoring: Scoring,
    prompt: Localized,
    explanation: Localized,
    scenario: Option<Scenario>,
    #[serde(default)]
    options: Vec<OptionContent>,
    answer: Option<bool>,
}

fn localized(en: &str, de: &str) -> Localized {
    Localized(
        [
            ("en".to_string(), en.to_string()),
            ("de".to_string(), de.to_string()),
        ]
        .into_iter()
        .collect(),
    )
}

/// Reads one course file into a draft: the course and its module quizzes.
pub fn parse_course(name: &str, text: &str) -> Result<CourseDraft, String> {
    let file: CourseFile = toml::from_str(text).map_err(|e| format!("{name}: {e}"))?;
    let mut quizzes = Vec::new();
    let mut modules = Vec::new();
    for module in file.modules {
        let quiz_slug = module.quiz.as_ref().map(|q| q.slug.clone());
        if let Some(quiz) = module.quiz {
            let questions = quiz
                .questions
                .into_iter()
                .map(|q| {
                    let options = match (q.kind, q.answer) {
                        (QuestionKind::TrueFalse, Some(answer)) => vec![
                            OptionContent {
                                correct: answer,
                                text: localized("True", "Richtig"),
                            },
                            OptionContent {
                                correct: !answer,
                                text: localized("False", "Falsch"),
                            },
                        ],
                        (QuestionKind::TrueFalse, None) => {
                            return Err(format!(
                                "{name}: true/false question {} has no answer",
                                q.slug
                            ));
                        }
                        _ => q.options,
                    };
                    Ok(QuestionContent {
                        slug: q.slug,
                        kind: q.kind,
                        scoring: q.scoring,
                        prompt: q.prompt,
                        explanation: q.explanation,
                        scenario: q.scenario,
                        options,
                    })
                })
                .collect::<Result<Vec<_>, String>>()?;
            quizzes.push(QuizContent {
                slug: quiz.slug,
                title: module.title.clone(),
                settings: QuizSettings {
                    draw: quiz.draw,
                    pass_percent: quiz.pass_percent,
                    max_attempts: quiz.max_attempts,
                    cooldown_minutes: quiz.cooldown_minutes,
                    time_limit_minutes: quiz.time_limit_minutes,
                },
                questions,
            });
        }
        modules.push(ModuleContent {
            slug: module.slug,
            title: module.title,
            lessons: module.lessons,
            quiz: quiz_slug,
        });
    }
    let draft = CourseDraft {
        course: CourseContent {
            slug: file.slug,
            code: file.code,
            title: file.title,
            summary: file.summary,
            modules,
        },
        quizzes,
    };
    validate_draft(&draft).map_err(|e| format!("{name}: {e}"))?;
    Ok(draft)
}

/// The demo course files as `(name, text)`.
pub fn demo_course_sources() -> Vec<(String, String)> {
    COURSE_FILES
        .iter()
        .map(|(name, text)| (name.to_string(), text.to_string()))
        .collect()
}

/// Parses course files and runs every integrity check on their banks together.
pub fn check_course_sources(
    sources: &[(String, String)],
) -> Result<crate::quizzes::integrity::IntegrityReport, String> {
    let drafts = sources
        .iter()
        .map(|(name, text)| parse_course(name, text))
        .collect::<Result<Vec<_>, String>>()?;
    let quizzes: Vec<&QuizContent> = drafts.iter().flat_map(|d| d.quizzes.iter()).collect();
    Ok(crate::quizzes::integrity::check_banks(&quizzes))
}

/// The demo courses, parsed and checked: no item id twice in the curriculum.
pub fn demo_courses() -> Result<Vec<CourseDraft>, String> {
    let drafts = COURSE_FILES
        .iter()
        .map(|(name, text)| parse_course(name, text))
        .collect::<Result<Vec<_>, String>>()?;
    let quizzes: Vec<&QuizContent> = drafts.iter().flat_map(|d| d.quizzes.iter()).collect();
    let shared = crate::quizzes::integrity::check_curriculum(&quizzes);
    if shared.is_empty() {
        Ok(drafts)
    } else {
        Err(shared.join("; "))
    }
}

#[derive(Deserialize)]
struct PolicyFile {
    versions: Vec<PolicyVersionFile>,
}

#[derive(Deserialize)]
struct PolicyVersionFile {
    version: i32,
    requires_reacknowledgement: bool,
    published: String,
    title: Localized,
    summary_of_changes: Localized,
    body: Localized,
}

/// The demo certifications: "Social Media Enthusiast" (SMaC 101 and the policy) and
/// "Social Media Professional" (SMaC 101, 201 and 301 and the policy), 12 months each.
pub fn demo_certifications(courses: &[CourseDraft]) -> Vec<CertificationContent> {
    let quizzes_of = |slug: &str| -> Vec<String> {
        courses
            .iter()
            .filter(|c| c.course.slug == slug)
            .flat_map(|c| c.quizzes.iter().map(|q| q.slug.clone()))
            .collect()
    };
    let last_quiz_of = |slug: &str| quizzes_of(slug).into_iter().last();
    vec![
        CertificationContent {
            slug: "social-media-enthusiast".into(),
            title: localized("Social Media Enthusiast", "Social-Media-Enthusiast"),
            description: localized(
                "May share company news on personal social media accounts, disclosing employment at Kestrel Computing.",
                "Darf Unternehmensnachrichten auf privaten Social-Media-Konten teilen und legt dabei offen, bei Kestrel Computing zu arbeiten.",
            ),
            required_courses: vec!["smac-101".into()],
            requires_policy: true,
            validity_months: 12,
            recertification_window_days: 30,
            renewal_quizzes: quizzes_of("smac-101"),
            grants_personal_clearance: true,
        },
        CertificationContent {
            slug: "social-media-professional".into(),
            title: localized("Social Media Professional", "Social-Media-Professional"),
            description: localized(
                "Completed the full SMaC curriculum; may speak for Kestrel Computing on official accounts once the governance team grants access.",
                "Hat das gesamte SMaC-Curriculum abgeschlossen; darf nach Freigabe durch das Governance-Team auf offiziellen Konten für Kestrel Computing sprechen.",
            ),
            required_courses: vec!["smac-101".into(), "smac-201".into(), "smac-301".into()],
            requires_policy: true,
            validity_months: 12,
            recertification_window_days: 30,
            renewal_quizzes: ["smac-101", "smac-201", "smac-301"]
                .into_iter()
                .filter_map(last_quiz_of)
                .collect(),
            grants_personal_clearance: true,
        },
    ]
}

/// Publishes the demo curriculum, policy versions and certifications (idempotent).
pub async fn seed_curriculum<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
) -> Result<usize, DomainError> {
    let courses =
        demo_courses().map_err(|e| DomainError::Invalid(crate::problem::invalid_content(e)))?;
    let mut published = 0;
    for draft in &courses {
        published += usize::from(publish_course(db, draft, now).await?);
    }
    let policy: PolicyFile = toml::from_str(POLICY_FILE).map_err(|e| {
        DomainError::Invalid(crate::problem::invalid_content(format!("policy.toml: {e}")))
    })?;
    for version in policy.versions {
        let published_at = chrono::NaiveDate::parse_from_str(&version.published, "%Y-%m-%d")
            .map_err(|e| {
                DomainError::Invalid(crate::problem::invalid_content(format!(
                    "policy.toml: published date: {e}"
                )))
            })?
            .and_hms_opt(9, 0, 0)
            .map(|t| t.and_utc())
            .unwrap_or(now)
            .min(now);
        let content = PolicyContent {
            title: version.title,
            summary_of_changes: version.summary_of_changes,
            body: version.body,
        };
        publish_policy_version(
            db,
            version.version,
            version.requires_reacknowledgement,
            &content,
            published_at,
        )
        .await?;
    }
    for certification in demo_certifications(&courses) {
        define_certification(db, &certification, now).await?;
    }
    for account in demo_official_accounts() {
        define_account(db, &account, now).await?;
    }
    Ok(published)
}

/// Kestrel Computing's official accounts, by function as Dell ran theirs: support, sales,
/// community and corporate. Each requires the full curriculum.
pub fn demo_official_accounts() -> Vec<AccountDefinition> {
    let professional = || vec!["social-media-professional".to_string()];
    [
        (
            "kestrel-cares",
            "X",
            "@KestrelCares",
            "support",
            "Customer Care",
        ),
        (
            "kestrel-hilfe",
            "X",
            "@KestrelHilfe",
            "support",
            "Kundenservice DACH",
        ),
        (
            "kestrel-outlet",
            "X",
            "@KestrelOutlet",
            "sales",
            "Online Sales",
        ),
        (
            "kestrel-business",
            "LinkedIn",
            "Kestrel for Business",
            "sales",
            "B2B Sales",
        ),
        (
            "kestrel-community",
            "Forum",
            "community.kestrel.example",
            "community",
            "Community Team",
        ),
        (
            "kestrel-ideas",
            "Instagram",
            "@kestrel.ideas",
            "community",
            "Community Team",
        ),
        (
            "kestrel-news",
            "X",
            "@KestrelNews",
            "corporate",
            "Corporate Communications",
        ),
        (
            "kestrel-linkedin",
            "LinkedIn",
            "Kestrel Computing",
            "corporate",
            "Corporate Communications",
        ),
    ]
    .into_iter()
    .map(
        |(slug, platform, handle, purpose, team)| AccountDefinition {
            slug: slug.into(),
            platform: platform.into(),
            handle: handle.into(),
            purpose: purpose.into(),
            owning_team: team.into(),
            requires: professional(),
        },
    )
    .collect()
}

/// Loads the demo people; those that exist already (by email) are left as they are.
pub async fn seed_demo<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
) -> Result<SeedReport, DomainError> {
    let mut people: Vec<NewPerson> = DEMO_ACCOUNTS
        .iter()
        .enumerate()
        .map(|(i, (email, name, role))| NewPerson {
            email: email.to_string(),
            display_name: name.to_string(),
            employee_number: Some(format!("D-{:04}", i + 1)),
            department: Some(DEPARTMENTS[i % DEPARTMENTS.len()].to_string()),
            country: Some("DE".into()),
            preferred_language: None,
            roles: if *role == Role::Employee {
                vec![Role::Employee]
            } else {
                vec![Role::Employee, *role]
            },
        })
        .collect();
    for i in 0..GENERATED_EMPLOYEES {
        let first = FIRST_NAMES[i % FIRST_NAMES.len()];
        let last = LAST_NAMES[(i * 7 + i / FIRST_NAMES.len()) % LAST_NAMES.len()];
        let (country, lang) = COUNTRIES[i % COUNTRIES.len()];
        people.push(NewPerson {
            email: format!(
                "{}.{}{}@example.com",
                first.to_lowercase(),
                last.to_lowercase(),
                i + 1
            ),
            display_name: format!("{first} {last}"),
            employee_number: Some(format!("E-{:04}", 1001 + i)),
            department: Some(DEPARTMENTS[(i / 2) % DEPARTMENTS.len()].to_string()),
            country: Some(country.to_string()),
            preferred_language: Some(lang),
            roles: vec![Role::Employee],
        });
    }

    let course_versions_published = seed_curriculum(db, now).await?;

    // One hash for every demo account: hashing forty times would only slow the first start.
    let shared_hash = hash_password(DEMO_PASSWORD)?;
    let mut report = SeedReport {
        course_versions_published,
        ..SeedReport::default()
    };
    for person in people {
        if find_user_by_email(db, &person.email).await?.is_some() {
            report.already_present += 1;
            continue;
        }
        let email = person.email.clone();
        create_person(db, None, person, None, now).await?;
        if let Some(user) = find_user_by_email(db, &email).await? {
            let mut model: users::ActiveModel = user.into();
            model.password_hash = Set(Some(shared_hash.clone()));
            users::Entity::update(model).exec(db).await?;
        }
        report.created += 1;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    #[test]
    fn demo_curriculum_meets_the_brief() {
        let courses = demo_courses().unwrap();
        assert_eq!(courses.len(), 3);
        for draft in &courses {
            let modules = &draft.course.modules;
            assert!((2..=4).contains(&modules.len()), "{}", draft.course.slug);
            for module in modules {
                assert!((2..=4).contains(&module.lessons.len()), "{}", module.slug);
                for lesson in &module.lessons {
                    assert!(
                        lesson.body.0.get("de").is_some_and(|t| t.len() > 200),
                        "{} has German text",
                        lesson.slug
                    );
                }
            }
            for quiz in &draft.quizzes {
                assert!(
                    quiz.questions.len() >= 10,
                    "{} has {} questions",
                    quiz.slug,
                    quiz.questions.len()
                );
                let scenarios = quiz
                    .questions
                    .iter()
                    .filter(|q| q.kind == QuestionKind::Scenario)
                    .count();
                assert!(
                    scenarios * 2 > quiz.questions.len(),
                    "{}: most questions are scenarios",
                    quiz.slug
                );
            }
        }
    }

    use super::*;
    use crate::accounts::server::search_people;
    use crate::accounts::sign_in::{SignInPolicy, Source, authenticate};
    use crate::db::connect_memory;

    /// The demo curriculum passes every bank check and the blind learner, in both languages.
    #[test]
    fn demo_banks_measure_knowledge() {
        let report = check_course_sources(&demo_course_sources()).unwrap();
        println!("{}", crate::quizzes::integrity::blind_table(&report.blind));
        assert!(report.passed(), "{:#?}", report.failures());
    }

    #[tokio::test]
    async fn seeding_twice_duplicates_nothing() {
        let db = connect_memory().await;
        let first = seed_demo(&db, Utc::now()).await.unwrap();
        assert_eq!(first.created, DEMO_ACCOUNTS.len() + GENERATED_EMPLOYEES);
        let second = seed_demo(&db, Utc::now()).await.unwrap();
        assert_eq!(
            second,
            SeedReport {
                created: 0,
                already_present: first.created,
                course_versions_published: 0
            }
        );
        assert_eq!(first.course_versions_published, 3);
        assert_eq!(
            search_people(&db, "", 1000).await.unwrap().len(),
            first.created
        );
        for (email, _, _) in DEMO_ACCOUNTS {
            authenticate(
                &db,
                email,
                DEMO_PASSWORD,
                &Source::local(),
                Utc::now(),
                SignInPolicy::default(),
            )
            .await
            .unwrap();
        }
    }
}
