//! One file per route.

pub mod account;
pub mod admin;
pub mod certificate;
pub mod courses;
pub mod dashboard;
pub mod errors;
pub mod home;
pub mod login;
pub mod policy;
pub mod quiz;
