//! `zhili user`: accounts from the machine (passwords read from standard input).

use super::*;

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
    use zhili::usecase::accounts::{self, Caller, NewAccount};
    // One password check at a time: the operator's own.
    let passwords = auth::PasswordChecks::new(1, 1);
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
            if Role::parse(&role).is_none() {
                return fail(format!("--role {role:?} is not one of admin, district_commander, district_operator, town_operator, village_operator, grid_worker, department_handler, leader"));
            }
            let password = match read_password() {
                Ok(p) => p,
                Err(e) => return fail(e),
            };
            let store = match open(&db).await {
                Ok(s) => s,
                Err(e) => return fail(e),
            };
            let account = NewAccount {
                display_name: name.unwrap_or_else(|| username.clone()),
                username: username.clone(),
                role,
                region_code: region,
                unit_id: unit,
                department,
                password,
                phone: None,
            };
            match accounts::create_account(
                &store,
                &passwords,
                &user::PasswordPolicy::default(),
                None,
                Caller::Operator,
                account,
            )
            .await
            {
                Ok(u) => {
                    println!("Added {username} ({}).", u.role.as_str());
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        UserAction::Passwd { username, db } => {
            let password = match read_password() {
                Ok(p) => p,
                Err(e) => return fail(e),
            };
            let store = match open(&db).await {
                Ok(s) => s,
                Err(e) => return fail(e),
            };
            match accounts::set_password(
                &store,
                &passwords,
                &user::PasswordPolicy::default(),
                Caller::Operator,
                &username,
                password,
            )
            .await
            {
                Ok(_) => {
                    println!("Password of {username} changed; its sessions are ended.");
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
    }
}
