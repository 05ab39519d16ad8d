//! Cleared: the Leptos application. Pages, components and server functions live here; rules
//! and queries are in each domain folder's `server.rs`, compiled only with the `ssr` feature.

#![recursion_limit = "256"]

pub mod accounts;
pub mod api_tokens;
pub mod app;
pub mod audit;
pub mod certification;
pub mod clearance;
pub mod compliance;
pub mod components;
pub mod content;
pub mod courses;
pub mod error;
pub mod i18n;
pub mod notice;
pub mod official_accounts;
pub mod pages;
pub mod policy;
pub mod problem;
pub mod quizzes;
pub mod webhooks;

#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod demo;
#[cfg(feature = "ssr")]
pub mod entities;
#[cfg(feature = "ssr")]
pub mod redirect;
#[cfg(feature = "ssr")]
pub mod synthetic;
#[cfg(feature = "ssr")]
pub mod text;

pub use app::App;
#[cfg(feature = "ssr")]
pub use app::shell;
