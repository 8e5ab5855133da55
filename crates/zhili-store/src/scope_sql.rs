//! The one scope rule as SQL: the region subtree (or the grids a member of the grid staff
//! sees) on a code column, and for events a department's own work. `Scope::sees_event` is
//! the same rule in memory.

use crate::sql::Sql;
use zhili_domain::Scope;

pub(crate) fn scope_filter(sql: &mut Sql, column: &str, scope: &Scope) {
    sql.push(" AND ");
    scope_condition(sql, column, scope);
}

/// The region part of the scope rule as one condition: the column under the scope's root,
/// or under one of the grids a member of the grid staff sees (none: nothing).
pub(crate) fn scope_condition(sql: &mut Sql, column: &str, scope: &Scope) {
    under_any(sql, column, &scope.prefixes());
}

/// The column under any of the code prefixes, as one condition (none: nothing).
pub(crate) fn under_any<S: AsRef<str>>(sql: &mut Sql, column: &str, prefixes: &[S]) {
    if prefixes.is_empty() {
        sql.push("1 = 0");
        return;
    }
    sql.push("(");
    for (i, prefix) in prefixes.iter().enumerate() {
        if i > 0 {
            sql.push(" OR ");
        }
        // A range, not `LIKE ?`: SQLite re-prepares a statement each time a LIKE pattern
        // bound to it changes (its LIKE optimisation depends on the value), which made every
        // scoped query of a new reader a fresh parse.
        sql.push("(1 = 1");
        crate::sql::digit_prefix(sql, column, prefix.as_ref());
        sql.push(")");
    }
    sql.push(")");
}

/// The scope filter for events: the region subtree, and for department users only the
/// events their department leads or assists.
pub(crate) fn event_scope(sql: &mut Sql, scope: &Scope) {
    scope_filter(sql, "e.grid_code", scope);
    if let Some(department) = &scope.department {
        sql.push(" AND (e.lead_unit = ")
            .bind_text(department.as_str());
        sql.push(
            " OR EXISTS (SELECT 1 FROM event_units eu WHERE eu.event_id = e.id AND eu.unit_id = ",
        )
        .bind_text(department.as_str());
        sql.push("))");
    }
}
