//! Situations (社情民意) and the links notes and events keep to what they concern. A note is
//! listed only inside the reader's area and up to the sensitivity their role reads (their own
//! notes always); every write appends its action in the same transaction.

use crate::sql::{append_actions, scope_filter, Arg, Sql};
use crate::{NewSituation, Result, SituationFilter, SituationRecord, SqlStore};
use sqlx::any::AnyRow;
use sqlx::AnyConnection;
use sqlx::Row;
use zhili_domain::chain::Actor;
use zhili_domain::situation::{
    store_tags, stored_tags, LinkTarget, Sensitivity, SituationKind, Source,
};
use zhili_domain::{RegionCode, Scope};

/// Writes links from `source:source_id` to each target, ignoring repeats.
pub(crate) async fn insert_links<C: crate::exec::Exec>(
    conn: &mut C,
    source: &str,
    source_id: i64,
    targets: &[(LinkTarget, i64)],
) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for (target, id) in targets {
        if !seen.insert((*target, *id)) {
            continue;
        }
        let mut insert = crate::sql::Sql::new(
            "INSERT INTO links (source, source_id, target, target_id) VALUES ($1, $2, $3, $4)",
        );
        insert.args = vec![
            Arg::Text(source.to_string()),
            Arg::Int(source_id),
            Arg::Text(target.as_str().to_string()),
            Arg::Int(*id),
        ];
        conn.run(&insert).await?;
    }
    Ok(())
}

/// Writes notes, each by its author at its time, in one transaction.
pub(crate) async fn create_situations(
    store: &SqlStore,
    items: &[(Actor, NewSituation, i64)],
) -> Result<Vec<i64>> {
    let mut tx = store.write_tx().await?;
    let mut ids = Vec::with_capacity(items.len());
    let mut actions = Vec::with_capacity(items.len());
    for (actor, s, now) in items {
        let id = insert_situation(&mut tx, actor, s, *now).await?;
        actions.push(
            actor
                .action(*now, "situation.create", &format!("situation:{id}"))
                .opinion(format!("{} {}", s.kind, s.sensitivity.level())),
        );
        ids.push(id);
    }
    append_actions(&mut tx, actions).await?;
    tx.commit().await?;
    Ok(ids)
}

async fn insert_situation(
    tx: &mut AnyConnection,
    actor: &Actor,
    s: &NewSituation,
    now: i64,
) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO situations (region_code, kind, source, sensitivity, title, content, tags, author, unit, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(s.region_code.to_string())
    .bind(s.kind.as_str())
    .bind(s.source.as_str())
    .bind(s.sensitivity.level())
    .bind(s.title.clone())
    .bind(s.content.clone())
    .bind(store_tags(&s.tags))
    .bind(actor.username.clone())
    .bind(actor.unit.clone())
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    insert_links(tx, "situation", id, &s.links).await?;
    Ok(id)
}

/// The reader's visibility: their area, their role's level, and their own notes.
fn visible(sql: &mut Sql, scope: &Scope, f: &SituationFilter) {
    scope_filter(sql, "s.region_code", scope);
    sql.push(" AND (s.sensitivity <= ")
        .bind(Arg::Int(f.max_sensitivity.level()));
    sql.push(" OR s.author = ").bind_text(f.reader.clone());
    sql.push(")");
}

const COLUMNS: &str = "s.id, s.region_code, s.kind, s.source, s.sensitivity, s.title, s.content, s.tags, s.author, s.unit, s.created_at";

fn from_row(r: &AnyRow) -> Result<SituationRecord> {
    let region: String = r.try_get("region_code")?;
    let level: i64 = r.try_get("sensitivity")?;
    let tags: String = r.try_get("tags")?;
    Ok(SituationRecord {
        id: r.try_get("id")?,
        situation: NewSituation {
            region_code: RegionCode::parse(&region)
                .map_err(|_| crate::sql::corrupt("region code", &region))?,
            kind: crate::sql::word(r, "kind", SituationKind::parse)?,
            source: crate::sql::word(r, "source", Source::parse)?,
            sensitivity: zhili_domain::situation::Sensitivity::from_level(level)
                .ok_or_else(|| crate::sql::corrupt("sensitivity", &level.to_string()))?,
            title: r.try_get("title")?,
            content: r.try_get("content")?,
            tags: stored_tags(&tags),
            links: Vec::new(),
        },
        author: r.try_get("author")?,
        unit: r.try_get("unit")?,
        created_at: r.try_get("created_at")?,
    })
}

pub(crate) async fn list_situations(
    store: &SqlStore,
    scope: &Scope,
    f: &SituationFilter,
) -> Result<(i64, Vec<SituationRecord>)> {
    let mut filter = Sql::new("");
    visible(&mut filter, scope, f);
    if let Some(r) = &f.region {
        filter
            .push(" AND s.region_code LIKE ")
            .bind_text(format!("{r}%"));
    }
    if let Some(k) = &f.kind {
        filter.push(" AND s.kind = ").bind_text(k.as_str());
    }
    if let Some(level) = f.sensitivity {
        filter
            .push(" AND s.sensitivity = ")
            .bind(Arg::Int(level.level()));
    }
    if let Some(t) = &f.tag {
        filter
            .push(" AND s.tags LIKE ")
            .bind_text(crate::events::like_pattern(&format!("|{t}|")));
        filter.push(" ESCAPE '\\'");
    }
    if let Some(text) = &f.text {
        // Only what the list shows: a sensitive note's text is not in lists, so it is not
        // searched either (a search would tell it one character at a time).
        let pattern = crate::events::like_pattern(text);
        filter
            .push(" AND (s.title LIKE ")
            .bind_text(pattern.clone())
            .push(" ESCAPE '\\' OR (s.sensitivity < ")
            .bind(Arg::Int(Sensitivity::Sensitive.level()))
            .push(" AND s.content LIKE ")
            .bind_text(pattern)
            .push(" ESCAPE '\\'))");
    }
    if let Some(link) = f.linked {
        crate::sql::linked_to(&mut filter, "situation", "s.id", link);
    }
    let count = Sql::with_filter(
        "SELECT COUNT(*) AS n FROM situations s WHERE 1 = 1",
        &filter,
    );
    let total: i64 = count.query().fetch_one(&store.pool).await?.try_get("n")?;
    let mut page = Sql::with_filter(
        &format!("SELECT {COLUMNS} FROM situations s WHERE 1 = 1"),
        &filter,
    );
    page.push(" ORDER BY s.created_at DESC, s.id DESC LIMIT ")
        .bind(Arg::Int(f.limit));
    page.push(" OFFSET ").bind(Arg::Int(f.offset));
    let rows = page.query().fetch_all(&store.pool).await?;
    let items = rows.iter().map(from_row).collect::<Result<_>>()?;
    Ok((total, items))
}

pub(crate) async fn get_situation(
    store: &SqlStore,
    scope: &Scope,
    f: &SituationFilter,
    id: i64,
) -> Result<Option<SituationRecord>> {
    let mut q = Sql::new(&format!("SELECT {COLUMNS} FROM situations s WHERE s.id = "));
    q.bind(Arg::Int(id));
    visible(&mut q, scope, f);
    let Some(row) = q.query().fetch_optional(&store.pool).await? else {
        return Ok(None);
    };
    let mut record = from_row(&row)?;
    record.situation.links = links_from(store, "situation", id).await?;
    Ok(Some(record))
}

/// What `source:source_id` is linked to, in the order written.
pub(crate) async fn links_from(
    store: &SqlStore,
    source: &str,
    source_id: i64,
) -> Result<Vec<(LinkTarget, i64)>> {
    let rows = sqlx::query(
        "SELECT target, target_id FROM links WHERE source = $1 AND source_id = $2 ORDER BY target, target_id",
    )
    .bind(source.to_string())
    .bind(source_id)
    .fetch_all(&store.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let t: String = r.try_get("target")?;
            Ok((
                LinkTarget::parse(&t).ok_or_else(|| crate::sql::corrupt("link target", &t))?,
                r.try_get("target_id")?,
            ))
        })
        .collect()
}

/// Appends one action on its own (a logged read).
pub(crate) async fn record_read(
    store: &SqlStore,
    action: zhili_domain::chain::NewAction,
) -> Result<()> {
    let mut tx = store.write_tx().await?;
    append_actions(&mut tx, vec![action]).await?;
    tx.commit().await?;
    Ok(())
}
