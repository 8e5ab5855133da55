//! The city's things: components and cameras registered and their state changed, and
//! organisations (enterprises, schools, hazardous-chemicals sites …) registered.

use super::{forbidden, not_found, Error, Result};
use crate::places::{OrgInput, ThingInput};
use crate::state::AppState;
use zhili_domain::thing::ThingState;
use zhili_domain::user::User;
use zhili_domain::{person, thing, DomainError, ErrorCode};
use zhili_store::{OrgRecord, ThingRecord};

/// Registers a component or a camera at a position in the caller's area; its responsible
/// department, when named, must exist.
pub async fn register_thing(
    state: &AppState,
    user: &User,
    input: ThingInput,
) -> Result<ThingRecord> {
    if !person::may_register(user.role) {
        return Err(forbidden(
            "this role does not register components or cameras",
        ));
    }
    let scope = user.scope();
    // The one department named, looked up rather than every unit listed.
    let department_known = match &input.department {
        Some(d) => state.store.get_unit(&scope, d).await?.is_some(),
        None => true,
    };
    let now = crate::now_ms();
    let new =
        crate::places::prepare_thing(&input, &state.index(), &scope, &|_| department_known, now)
            .map_err(Error::problems)?;
    let ids = state
        .store
        .create_things(&user.actor(), std::slice::from_ref(&new), now)
        .await?;
    Ok(ThingRecord {
        id: ids[0],
        thing: new,
        updated_at: now,
    })
}

/// Sets a thing's state (a component damaged, a camera offline …): by the unit responsible
/// for it or a centre of its area, to a state of its own kind.
pub async fn set_thing_state(
    state: &AppState,
    user: &User,
    id: i64,
    new_state: &str,
) -> Result<ThingRecord> {
    let scope = user.scope();
    let found = state
        .store
        .get_thing(&scope, id)
        .await?
        .ok_or_else(|| not_found("id", format!("thing {id} not found")))?;
    if !thing::may_set_state(
        user.role,
        user.department.as_deref(),
        found.thing.department.as_deref(),
    ) {
        return Err(DomainError::new(
            ErrorCode::Forbidden,
            "only the responsible unit and the area's centres change a state",
        )
        .zh("只有责任单位和本辖区综治中心可以变更状态")
        .into());
    }
    // A state of the other kind conflicts with what the thing is.
    let states = found.thing.kind.states();
    let Some(new_state) = ThingState::from_code(new_state).filter(|s| states.contains(s)) else {
        let names: Vec<&str> = states.iter().map(|s| s.as_str()).collect();
        return Err(DomainError::new(
            ErrorCode::Conflict,
            format!("a {} is one of {}", found.thing.kind, names.join(", ")),
        )
        .with_field("state")
        .into());
    };
    state
        .store
        .set_thing_state(&user.actor(), &scope, id, new_state, crate::now_ms())
        .await?
        .ok_or_else(|| not_found("id", format!("thing {id} not found")))
}

/// Registers an organisation at a position in the caller's area (its contact phone sealed).
pub async fn register_org(state: &AppState, user: &User, input: OrgInput) -> Result<OrgRecord> {
    if !person::may_register(user.role) {
        return Err(forbidden("this role does not register organisations"));
    }
    let org = crate::places::prepare_org(&input, &state.key, &state.index(), &user.scope())
        .map_err(Error::problems)?;
    let ids = state
        .store
        .create_orgs(&user.actor(), std::slice::from_ref(&org), crate::now_ms())
        .await?;
    Ok(OrgRecord { id: ids[0], org })
}
