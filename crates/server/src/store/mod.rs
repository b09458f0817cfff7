//! The app store: importing bundles (`uploads`, `bundle_files`, `blobs`, then `catalog::import`),
//! the catalog and an app version's data (`catalog`, `app_files`, `app_history`), tags, secrets
//! (sealed at rest by `sealing`) and the `--demo` data. The HTTP handlers are in [`routes`].

pub mod app_files;
pub mod app_history;
pub mod blob_lock;
pub mod blobs;
pub mod bundle_files;
pub mod catalog;
pub mod demo;
pub mod routes;
pub mod sealing;
pub mod secrets;
pub mod tags;
pub mod uploads;
