//! The demo data set: one person of each role plus a few dozen employees, so a new user sees
//! a living system. Loading it twice changes nothing.

use crate::accounts::server::{create_person, find_user_by_email, hash_password};
use crate::accounts::{NewPerson, Role};
use crate::entities::users;
use crate::error::DomainError;
use crate::i18n::Lang;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, EntityTrait, Set, TransactionTrait};

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

    // One hash for every demo account: hashing forty times would only slow the first start.
    let shared_hash = hash_password(DEMO_PASSWORD)?;
    let mut report = SeedReport::default();
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
    use super::*;
    use crate::accounts::server::{LoginPolicy, authenticate, search_people};
    use crate::db::connect_memory;

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
                already_present: first.created
            }
        );
        assert_eq!(
            search_people(&db, "", 1000).await.unwrap().len(),
            first.created
        );
        for (email, _, _) in DEMO_ACCOUNTS {
            authenticate(
                &db,
                email,
                DEMO_PASSWORD,
                Utc::now(),
                LoginPolicy::default(),
            )
            .await
            .unwrap();
        }
    }
}
