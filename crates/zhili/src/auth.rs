//! Passwords (argon2id) and bearer tokens (random, stored only as SHA-256 hashes).

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// An argon2id hash (PHC string) with the crate's recommended parameters.
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// A hash to verify against when the user does not exist, so that answering
/// "no such user" takes as long as "wrong password".
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password that matches nothing").unwrap_or_default())
}

/// Password checks bounded by the machine: argon2id takes ~19 MiB and tens of
/// milliseconds of one core per check, so unbounded sign-ins (for names that exist or not)
/// would take the process's memory and every core. At most one check per core runs; a
/// bounded number wait briefly; the rest are answered `Busy` at once.
pub struct PasswordChecks {
    slots: std::sync::Arc<tokio::sync::Semaphore>,
    /// Checks run on threads of their own, one per slot: each argon2 check allocates
    /// ~19 MiB, and the allocator keeps what a thread freed for that thread, so a few
    /// long-lived threads hold a few such blocks where the shared blocking pool's many
    /// threads held one each.
    jobs: std::sync::Mutex<std::sync::mpsc::Sender<Job>>,
    waiting: std::sync::atomic::AtomicUsize,
    max_waiting: usize,
    /// Checks running now and the most that ever ran at once.
    load: std::sync::Arc<(
        std::sync::atomic::AtomicUsize,
        std::sync::atomic::AtomicUsize,
    )>,
}

type Job = Box<dyn FnOnce() + Send>;

/// No room for another password check now.
#[derive(Debug)]
pub struct Busy;

/// How long a check waits for a free core before `Busy`.
const CHECK_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

impl PasswordChecks {
    pub fn new(slots: usize, max_waiting: usize) -> PasswordChecks {
        let slots = slots.max(1);
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = std::sync::Arc::new(std::sync::Mutex::new(queue));
        for i in 0..slots {
            let queue = queue.clone();
            let _ = std::thread::Builder::new()
                .name(format!("password-check-{i}"))
                .spawn(move || loop {
                    let job = queue.lock().unwrap_or_else(|e| e.into_inner()).recv();
                    match job {
                        // A check that panics answers Busy (its result is dropped) and the
                        // thread lives on for the next.
                        Ok(job) => {
                            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                        }
                        Err(_) => return,
                    }
                });
        }
        PasswordChecks {
            jobs: std::sync::Mutex::new(jobs),
            slots: std::sync::Arc::new(tokio::sync::Semaphore::new(slots)),
            waiting: Default::default(),
            max_waiting,
            load: Default::default(),
        }
    }

    /// One check per core, eight per core waiting.
    pub fn for_this_machine() -> PasswordChecks {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        PasswordChecks::new(cores, cores * 8)
    }

    /// The most checks that ran at once since start.
    pub fn peak(&self) -> usize {
        self.load.1.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Runs `work` (a hash or a verification) on a blocking thread within the bound.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Busy> {
        use std::sync::atomic::Ordering::SeqCst;
        if self.waiting.fetch_add(1, SeqCst) >= self.max_waiting {
            self.waiting.fetch_sub(1, SeqCst);
            return Err(Busy);
        }
        let permit = tokio::time::timeout(CHECK_WAIT, self.slots.clone().acquire_owned()).await;
        self.waiting.fetch_sub(1, SeqCst);
        let permit = permit.ok().and_then(Result::ok).ok_or(Busy)?;
        let load = self.load.clone();
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let running = load.0.fetch_add(1, SeqCst) + 1;
            load.1.fetch_max(running, SeqCst);
            let out = work();
            load.0.fetch_sub(1, SeqCst);
            drop(permit);
            let _ = done.send(out);
        });
        self.jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .send(job)
            .map_err(|_| Busy)?;
        result.await.map_err(|_| Busy)
    }
}

/// A new opaque bearer token: 32 random bytes, URL-safe, with a recognisable prefix.
pub fn new_token() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    format!(
        "zl_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A readable random password for generated demo accounts.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 14];
    OsRng.fill_bytes(&mut bytes);
    bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argon2id_round_trip() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong horse", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[tokio::test]
    async fn password_checks_run_one_per_slot_and_refuse_past_the_queue() {
        let checks = std::sync::Arc::new(PasswordChecks::new(1, 1));
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let first = {
            let checks = checks.clone();
            tokio::spawn(async move { checks.run(move || hold.recv().is_ok()).await })
        };
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        // One waits for the slot; the next finds the queue full and is refused at once.
        let second = {
            let checks = checks.clone();
            tokio::spawn(async move { checks.run(|| 2).await })
        };
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(checks.run(|| 3).await.is_err());
        release.send(()).unwrap();
        assert!(first.await.unwrap().unwrap());
        assert_eq!(second.await.unwrap().unwrap(), 2);
        assert_eq!(checks.peak(), 1);
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert!(a.len() > 40);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
        assert_eq!(generate_password().len(), 14);
    }
}
