//! wavehub-server: the API server and the `wavehub` command line.

pub mod accounts;
pub mod audit;
pub mod cli;
pub mod cli_remote;
pub mod csrf;
pub mod db;
pub mod error;
pub mod extract;
pub mod instances;
pub mod mlops;
pub mod openapi;
pub mod routes;
pub mod runtime_images;
pub mod serve;
pub mod store;
pub mod state;
pub mod web_app;
