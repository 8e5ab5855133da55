//! `zhili`: serve the API, build and serve the demo city, import boundaries, manage users,
//! verify the record.

mod cli;

// mimalloc returns what threads free to the system and shares pages between them; glibc's
// per-thread arenas kept the writers' peaks (669 MB at ten million events beside writes).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    cli::run().await
}
