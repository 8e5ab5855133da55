//! `zhili`: serve the API, build and serve the demo city, import boundaries, manage users,
//! verify the record.

mod cli;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    cli::run().await
}
