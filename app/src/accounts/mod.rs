//! People, roles and sessions: the types both the server and the browser see, and the
//! validation of what people type into account forms.

pub mod api;
#[cfg(feature = "ssr")]
pub mod cookies;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "ssr")]
pub mod sign_in;

use crate::i18n::{Lang, Texts};
use crate::problem::Problem;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UserId(pub Uuid);

impl std::fmt::Display for UserId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Employee,
    Trainer,
    Compliance,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Employee, Role::Trainer, Role::Compliance, Role::Admin];

    pub fn code(self) -> &'static str {
        match self {
            Role::Employee => "employee",
            Role::Trainer => "trainer",
            Role::Compliance => "compliance",
            Role::Admin => "admin",
        }
    }

    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL
            .into_iter()
            .find(|role| role.code() == code.trim().to_ascii_lowercase())
    }

    pub fn label(self, t: &Texts) -> &'static str {
        match self {
            Role::Employee => t.role_employee,
            Role::Trainer => t.role_trainer,
            Role::Compliance => t.role_compliance,
            Role::Admin => t.role_admin,
        }
    }
}

/// Parses a comma-separated role list such as `employee,admin`; unknown names are an error.
pub fn parse_roles(list: &str) -> Result<Vec<Role>, String> {
    let mut roles = Vec::new();
    for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let role = Role::from_code(name).ok_or_else(|| {
            format!("unknown role '{name}' (expected employee, trainer, compliance or admin)")
        })?;
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    roles.sort();
    Ok(roles)
}

/// The signed-in person as the interface needs them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Me {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub roles: Vec<Role>,
}

impl Me {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// What every page knows about who is looking at it: computed on the server per request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub me: Option<Me>,
    pub lang: Lang,
}

/// A row of the people list in the admin area.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonSummary {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub employee_number: Option<String>,
    pub department: Option<String>,
    pub country: Option<String>,
    pub preferred_language: Option<Lang>,
    pub roles: Vec<Role>,
    pub active: bool,
}

/// A person to be created, as typed into the admin form or the command line.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NewPerson {
    pub email: String,
    pub display_name: String,
    pub employee_number: Option<String>,
    pub department: Option<String>,
    pub country: Option<String>,
    pub preferred_language: Option<Lang>,
    pub roles: Vec<Role>,
}

pub const MIN_PASSWORD_LEN: usize = 10;
pub const MAX_PASSWORD_LEN: usize = 256;

/// Longest display name, employee number, department.
pub const MAX_NAME_LEN: usize = 200;

/// Lower-cases and trims an email address (through the one text validator); rejects
/// anything that is not plausibly one. Every email is normalised here, once, before it is
/// stored or compared.
#[cfg(feature = "ssr")]
pub fn normalize_email(raw: &str) -> Result<String, Problem> {
    let email = crate::text::clean_text(raw, crate::text::Lines::One, 254)
        .map_err(|_| Problem::InvalidEmail)?
        .to_lowercase();
    let valid = !email.chars().any(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
        });
    if valid {
        Ok(email)
    } else {
        Err(Problem::InvalidEmail)
    }
}

pub fn validate_password(password: &str) -> Result<(), Problem> {
    let len = password.chars().count();
    if len < MIN_PASSWORD_LEN {
        return Err(Problem::PasswordTooShort {
            min: MIN_PASSWORD_LEN as u32,
        });
    }
    if len > MAX_PASSWORD_LEN {
        return Err(Problem::PasswordTooLong {
            max: MAX_PASSWORD_LEN as u32,
        });
    }
    Ok(())
}

#[cfg(feature = "ssr")]
impl NewPerson {
    /// Every field through the one text validator, then checked, so that what is stored is
    /// what was meant.
    pub fn validated(self) -> Result<NewPerson, Problem> {
        use crate::text::{Lines, clean_optional, clean_text};
        let email = normalize_email(&self.email)?;
        let display_name = clean_text(&self.display_name, Lines::One, MAX_NAME_LEN)?;
        if display_name.is_empty() {
            return Err(Problem::DisplayNameMissing);
        }
        let country = clean_optional(self.country, 2)
            .map_err(|_| Problem::InvalidCountry)?
            .map(|c| c.to_ascii_uppercase());
        if let Some(code) = &country
            && (code.len() != 2 || !code.chars().all(|c| c.is_ascii_alphabetic()))
        {
            return Err(Problem::InvalidCountry);
        }
        let mut roles = self.roles;
        roles.sort();
        roles.dedup();
        if roles.is_empty() {
            roles.push(Role::Employee);
        }
        Ok(NewPerson {
            email,
            display_name,
            employee_number: clean_optional(self.employee_number, MAX_NAME_LEN)?,
            department: clean_optional(self.department, MAX_NAME_LEN)?,
            country,
            preferred_language: self.preferred_language,
            roles,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_normalized_or_rejected() {
        assert_eq!(
            normalize_email("  Ada@Example.COM ").as_deref(),
            Ok("ada@example.com")
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a da@example.com",
            "a@b@c.de",
            "x@example.org\0\0evil",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn roles_parse_from_comma_list() {
        assert_eq!(
            parse_roles("admin, employee,admin"),
            Ok(vec![Role::Employee, Role::Admin])
        );
        assert!(parse_roles("employee,boss").is_err());
        assert_eq!(parse_roles(""), Ok(vec![]));
    }

    #[test]
    fn new_person_defaults_to_employee_and_checks_country() {
        let person = NewPerson {
            email: "X@Example.com".into(),
            display_name: " X ".into(),
            country: Some("de".into()),
            ..Default::default()
        }
        .validated()
        .unwrap();
        assert_eq!(person.roles, vec![Role::Employee]);
        assert_eq!(person.country.as_deref(), Some("DE"));
        assert_eq!(person.email, "x@example.com");
        let bad = NewPerson {
            email: "x@example.com".into(),
            display_name: "X".into(),
            country: Some("Germany".into()),
            ..Default::default()
        };
        assert!(bad.validated().is_err());
    }

    #[test]
    fn password_length_is_checked() {
        assert!(validate_password("short").is_err());
        assert!(validate_password("long enough pass").is_ok());
    }
}
