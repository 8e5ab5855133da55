//! `zhili user`: accounts from the machine (passwords read from standard input).

use super::*;

/// Reads a new password, checks it, and returns its argon2id hash.
pub(super) fn read_new_password_hash() -> Result<String, String> {
    let password = read_password()?;
    user::validate_password(&password).map_err(|e| format!("password: {}", e.message))?;
    auth::hash_password(&password)
}

pub(super) fn read_password() -> Result<String, String> {
    if let Ok(p) = std::env::var("ZHILI_USER_PASSWORD") {
        return Ok(p);
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Password (input is shown; prefer ZHILI_USER_PASSWORD or a pipe): ");
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the password: {e}"))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

pub(super) async fn user_command(action: UserAction) -> ExitCode {
    match action {
        UserAction::Add {
            username,
            role,
            region,
            unit,
            department,
            name,
            db,
        } => {
            let Some(role) = Role::parse(&role) else {
                return fail(format!("--role {role:?} is not one of admin, district_commander, district_operator, town_operator, village_operator, grid_worker, department_handler, leader"));
            };
            let region = match RegionCode::parse(&region) {
                Ok(r) => r,
                Err(e) => return fail(format!("--region: {}", e.message)),
            };
            if let Err(e) = user::validate_account(&username, role, &region, department.as_deref())
            {
                return fail(format!(
                    "{}: {}",
                    e.field.as_deref().unwrap_or("account"),
                    e.message
                ));
            }
            let hash = match read_new_password_hash() {
                Ok(h) => h,
                Err(e) => return fail(e),
            };
            let store = match open(&db).await {
                Ok(s) => s,
                Err(e) => return fail(e),
            };
            match store
                .get_region(&zhili_domain::Scope::whole(region.clone()), &region, false)
                .await
            {
                Ok(Some(_)) => {}
                Ok(None) => return fail(format!("--region: no region {region} in this database")),
                Err(e) => return fail(e),
            }
            let new = NewUser {
                display_name: name.unwrap_or_else(|| username.clone()),
                username: username.clone(),
                role,
                unit_id: unit,
                region_code: region,
                department,
                password_hash: hash,
            };
            match store
                .insert_users(
                    &Actor {
                        username: cli_actor(),
                        unit: None,
                    },
                    &[new],
                    now_ms(),
                )
                .await
            {
                Ok(()) => {
                    println!("Added {username} ({}).", role.as_str());
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        UserAction::Passwd { username, db } => {
            let hash = match read_new_password_hash() {
                Ok(h) => h,
                Err(e) => return fail(e),
            };
            let store = match open(&db).await {
                Ok(s) => s,
                Err(e) => return fail(e),
            };
            match store
                .set_password(
                    &Actor {
                        username: cli_actor(),
                        unit: None,
                    },
                    &username,
                    &hash,
                    now_ms(),
                )
                .await
            {
                Ok(true) => {
                    println!("Password of {username} changed; its sessions are ended.");
                    ExitCode::SUCCESS
                }
                Ok(false) => fail(format!("no user {username}")),
                Err(e) => fail(e),
            }
        }
    }
}
