//! wavehub-server: the API server and the `wavehub` command line.

pub mod audit;
pub mod auth;
pub mod blobs;
pub mod bootstrap;
pub mod bundle_files;
pub mod catalog;
pub mod cli;
pub mod cli_remote;
pub mod db;
pub mod demo;
pub mod error;
pub mod extract;
pub mod instances;
pub mod proxy;
pub mod routes;
pub mod runner;
pub mod runtime_images;
pub mod secrets;
pub mod seed;
pub mod serve;
pub mod state;
pub mod tags;
pub mod throttle;
pub mod uploads;
pub mod web_app;
pub mod workspaces;
