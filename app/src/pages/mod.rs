//! One file per route.

pub mod account;
pub mod admin;
pub mod dashboard;
pub mod errors;
pub mod home;
pub mod login;
