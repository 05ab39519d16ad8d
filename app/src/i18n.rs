//! The interface languages and every piece of UI text in each of them.
//!
//! Texts are a struct rather than a lookup table so that a missing translation is a compile
//! error, not a blank on a page.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    De,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::De];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "en" => Some(Lang::En),
            "de" => Some(Lang::De),
            _ => None,
        }
    }

    /// The language's own name, as shown in the switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::De => "Deutsch",
        }
    }

    /// Picks the first supported language of an `Accept-Language` header, honouring q-values.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut ranked: Vec<(f32, Lang)> = header
            .split(',')
            .filter_map(|part| {
                let mut pieces = part.trim().split(';');
                let tag = pieces.next()?.trim();
                let primary = tag.split('-').next()?;
                let lang = Lang::from_code(primary)?;
                let quality = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                (quality > 0.0).then_some((quality, lang))
            })
            .collect();
        // Stable sort keeps header order among equal weights.
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
        ranked.first().map(|(_, lang)| *lang)
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::En => &EN,
            Lang::De => &DE,
        }
    }
}

pub struct Texts {
    pub app_name: &'static str,
    pub tagline: &'static str,
    pub skip_to_content: &'static str,
    pub main_navigation: &'static str,
    pub nav_dashboard: &'static str,
    pub nav_admin: &'static str,
    pub nav_account: &'static str,
    pub sign_in: &'static str,
    pub sign_out: &'static str,
    pub signed_in_as: &'static str,
    pub language: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub sign_in_title: &'static str,
    pub sign_in_intro: &'static str,
    pub error_invalid_credentials: &'static str,
    pub error_deactivated: &'static str,
    pub error_locked: &'static str,
    pub error_csrf: &'static str,
    pub error_missing_fields: &'static str,
    pub signed_out_notice: &'static str,
    pub session_expired_notice: &'static str,
    pub dashboard_title: &'static str,
    pub welcome: &'static str,
    pub your_roles: &'static str,
    pub dashboard_intro: &'static str,
    pub role_employee: &'static str,
    pub role_trainer: &'static str,
    pub role_compliance: &'static str,
    pub role_admin: &'static str,
    pub account_title: &'static str,
    pub change_password: &'static str,
    pub current_password: &'static str,
    pub new_password: &'static str,
    pub new_password_hint: &'static str,
    pub password_changed: &'static str,
    pub save: &'static str,
    pub admin_title: &'static str,
    pub people: &'static str,
    pub search: &'static str,
    pub search_people_label: &'static str,
    pub create_person: &'static str,
    pub display_name: &'static str,
    pub employee_number: &'static str,
    pub department: &'static str,
    pub country: &'static str,
    pub preferred_language: &'static str,
    pub browser_default: &'static str,
    pub roles: &'static str,
    pub status: &'static str,
    pub active: &'static str,
    pub deactivated: &'static str,
    pub deactivate: &'static str,
    pub reactivate: &'static str,
    pub save_roles: &'static str,
    pub initial_password: &'static str,
    pub person_created: &'static str,
    pub changes_saved: &'static str,
    pub no_people_found: &'static str,
    pub people_count: &'static str,
    pub loading: &'static str,
    pub forbidden_title: &'static str,
    pub forbidden_body: &'static str,
    pub not_found_title: &'static str,
    pub not_found_body: &'static str,
    pub back_home: &'static str,
    pub error_title: &'static str,
}

pub static EN: Texts = Texts {
    app_name: "Cleared",
    tagline: "Social media training and clearance",
    skip_to_content: "Skip to content",
    main_navigation: "Main navigation",
    nav_dashboard: "Dashboard",
    nav_admin: "Administration",
    nav_account: "My account",
    sign_in: "Sign in",
    sign_out: "Sign out",
    signed_in_as: "Signed in as",
    language: "Language",
    email: "Email",
    password: "Password",
    sign_in_title: "Sign in to Cleared",
    sign_in_intro: "Use your work email address and your Cleared password.",
    error_invalid_credentials: "The email address or password is not correct.",
    error_deactivated: "This account has been deactivated. Please contact your administrator.",
    error_locked: "Too many failed attempts. This account is locked for a few minutes; please try again later.",
    error_csrf: "The request could not be verified. Please reload the page and try again.",
    error_missing_fields: "Please enter your email address and your password.",
    signed_out_notice: "You have been signed out.",
    session_expired_notice: "Please sign in to continue.",
    dashboard_title: "Dashboard",
    welcome: "Welcome",
    your_roles: "Your roles",
    dashboard_intro: "Your courses, certificates and clearance will appear here.",
    role_employee: "Employee",
    role_trainer: "Trainer",
    role_compliance: "Compliance officer",
    role_admin: "Administrator",
    account_title: "My account",
    change_password: "Change password",
    current_password: "Current password",
    new_password: "New password",
    new_password_hint: "At least 10 characters.",
    password_changed: "Your password has been changed.",
    save: "Save",
    admin_title: "Administration",
    people: "People",
    search: "Search",
    search_people_label: "Search by name, email, employee number, department or country",
    create_person: "Create a person",
    display_name: "Display name",
    employee_number: "Employee number",
    department: "Department",
    country: "Country (ISO code, e.g. DE)",
    preferred_language: "Preferred language",
    browser_default: "Browser default",
    roles: "Roles",
    status: "Status",
    active: "Active",
    deactivated: "Deactivated",
    deactivate: "Deactivate",
    reactivate: "Reactivate",
    save_roles: "Save roles",
    initial_password: "Initial password (optional)",
    person_created: "The person has been created.",
    changes_saved: "Changes saved.",
    no_people_found: "No people match this search.",
    people_count: "people",
    loading: "Loading…",
    forbidden_title: "Access denied",
    forbidden_body: "Your roles do not allow you to open this page. If you need access, ask an administrator.",
    not_found_title: "Page not found",
    not_found_body: "There is no page at this address.",
    back_home: "Back to the start page",
    error_title: "Something went wrong",
};

pub static DE: Texts = Texts {
    app_name: "Cleared",
    tagline: "Social-Media-Schulung und Freigabe",
    skip_to_content: "Zum Inhalt springen",
    main_navigation: "Hauptnavigation",
    nav_dashboard: "Übersicht",
    nav_admin: "Verwaltung",
    nav_account: "Mein Konto",
    sign_in: "Anmelden",
    sign_out: "Abmelden",
    signed_in_as: "Angemeldet als",
    language: "Sprache",
    email: "E-Mail",
    password: "Passwort",
    sign_in_title: "Bei Cleared anmelden",
    sign_in_intro: "Melden Sie sich mit Ihrer dienstlichen E-Mail-Adresse und Ihrem Cleared-Passwort an.",
    error_invalid_credentials: "E-Mail-Adresse oder Passwort ist nicht korrekt.",
    error_deactivated: "Dieses Konto wurde deaktiviert. Bitte wenden Sie sich an Ihre Administration.",
    error_locked: "Zu viele Fehlversuche. Das Konto ist für einige Minuten gesperrt; bitte versuchen Sie es später erneut.",
    error_csrf: "Die Anfrage konnte nicht geprüft werden. Bitte laden Sie die Seite neu und versuchen Sie es erneut.",
    error_missing_fields: "Bitte geben Sie Ihre E-Mail-Adresse und Ihr Passwort ein.",
    signed_out_notice: "Sie wurden abgemeldet.",
    session_expired_notice: "Bitte melden Sie sich an, um fortzufahren.",
    dashboard_title: "Übersicht",
    welcome: "Willkommen",
    your_roles: "Ihre Rollen",
    dashboard_intro: "Hier erscheinen Ihre Kurse, Zertifikate und Ihre Freigabe.",
    role_employee: "Mitarbeiter:in",
    role_trainer: "Trainer:in",
    role_compliance: "Compliance-Beauftragte:r",
    role_admin: "Administrator:in",
    account_title: "Mein Konto",
    change_password: "Passwort ändern",
    current_password: "Aktuelles Passwort",
    new_password: "Neues Passwort",
    new_password_hint: "Mindestens 10 Zeichen.",
    password_changed: "Ihr Passwort wurde geändert.",
    save: "Speichern",
    admin_title: "Verwaltung",
    people: "Personen",
    search: "Suchen",
    search_people_label: "Suche nach Name, E-Mail, Personalnummer, Abteilung oder Land",
    create_person: "Person anlegen",
    display_name: "Anzeigename",
    employee_number: "Personalnummer",
    department: "Abteilung",
    country: "Land (ISO-Code, z. B. DE)",
    preferred_language: "Bevorzugte Sprache",
    browser_default: "Browsersprache",
    roles: "Rollen",
    status: "Status",
    active: "Aktiv",
    deactivated: "Deaktiviert",
    deactivate: "Deaktivieren",
    reactivate: "Reaktivieren",
    save_roles: "Rollen speichern",
    initial_password: "Erstes Passwort (optional)",
    person_created: "Die Person wurde angelegt.",
    changes_saved: "Änderungen gespeichert.",
    no_people_found: "Keine Personen gefunden.",
    people_count: "Personen",
    loading: "Wird geladen …",
    forbidden_title: "Zugriff verweigert",
    forbidden_body: "Ihre Rollen erlauben diese Seite nicht. Wenn Sie Zugriff brauchen, wenden Sie sich an die Administration.",
    not_found_title: "Seite nicht gefunden",
    not_found_body: "Unter dieser Adresse gibt es keine Seite.",
    back_home: "Zur Startseite",
    error_title: "Etwas ist schiefgegangen",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_prefers_highest_supported_quality() {
        let cases = [
            ("de-DE,de;q=0.9,en;q=0.8", Some(Lang::De)),
            ("en-US,en;q=0.9", Some(Lang::En)),
            ("fr-FR,fr;q=0.9,de;q=0.5,en;q=0.7", Some(Lang::En)),
            ("fr", None),
            ("", None),
            ("de;q=0", None),
        ];
        for (header, expected) in cases {
            assert_eq!(Lang::from_accept_language(header), expected, "{header}");
        }
    }
}
