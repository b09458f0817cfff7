//! Rebuilds the server when a migration is added: `sqlx::migrate!` embeds the folders, and cargo
//! would otherwise only notice changes to files it already knew.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
