//! One file per route.

pub mod account;
pub mod admin;
pub mod certificate;
pub mod compliance;
pub mod courses;
pub mod dashboard;
pub mod errors;
pub mod home;
pub mod login;
pub mod policy;
pub mod quiz;
pub mod webhooks;

/// The pages only a signed-in person may open (by path prefix). A signed-out request for one
/// is sent to sign in by the server before anything renders.
pub const SIGNED_IN_PAGES: [&str; 8] = [
    "/compliance",
    "/dashboard",
    "/account",
    "/admin",
    "/courses",
    "/quizzes",
    "/attempts",
    "/certificates",
];

/// Whether `path` is one of [`SIGNED_IN_PAGES`] or below one.
pub fn requires_sign_in(path: &str) -> bool {
    SIGNED_IN_PAGES.iter().any(|page| {
        path.strip_prefix(page)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}
