//! `zhili import grids|people|houses|orgs|things` and `zhili sample-people`.

use super::*;

pub(super) async fn import_grids(db: &Db, file: &std::path::Path, dry_run: bool) -> ExitCode {
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => return fail(format!("cannot read {}: {e}", file.display())),
    };
    let store = match open(db).await {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let actor = Actor {
        username: zhili::usecase::accounts::operator_name(),
        unit: None,
    };
    let report = match import::import_grids(&store, &actor, &bytes, dry_run, now_ms()).await {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    if !report.problems.is_empty() {
        eprintln!(
            "{}: {} problem(s); nothing was written",
            file.display(),
            report.problems.len()
        );
        for p in &report.problems {
            eprintln!("  {p}");
        }
        return ExitCode::FAILURE;
    }
    match (&report.summary, dry_run) {
        (Some(s), _) => println!(
            "Imported {} grids in {} villages: {} created, {} updated, {} unchanged, {} retired.",
            report.grids,
            report.villages.len(),
            s.created,
            s.updated,
            s.unchanged,
            s.retired
        ),
        (None, _) => println!(
            "Valid: {} grids in {} villages (dry run; nothing written).",
            report.grids,
            report.villages.len()
        ),
    }
    ExitCode::SUCCESS
}

pub(super) async fn import_sheet(sheet: Sheet, args: SheetArgs) -> ExitCode {
    let SheetArgs {
        file,
        db,
        dry_run,
        partial,
    } = args;
    let (db, file) = (&db, file.as_path());
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => return fail(format!("cannot read {}: {e}", file.display())),
    };
    let store = match open(db).await {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let key = match zhili::crypto::DataKey::load_or_create(&db.key_file()) {
        Ok(k) => k,
        Err(e) => return fail(e),
    };
    let index = match zhili::regions::RegionIndex::load(&store).await {
        Ok(i) => std::sync::Arc::new(i),
        Err(e) => return fail(e),
    };
    let importer = match zhili::usecase::sheet_import::Importer::by_operator(&store, key, index) {
        Ok(i) => i,
        Err(e) => return fail(e),
    };
    let started = std::time::Instant::now();
    // A bar on standard error while the rows are checked (hidden when not a terminal).
    let bar = ProgressBar::new(1);
    bar.set_style(
        ProgressStyle::with_template("{msg:12} [{bar:40}] {pos}/{len} rows {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let watcher = {
        let (bar, progress) = (bar.clone(), importer.progress.clone());
        tokio::spawn(async move {
            loop {
                let (stage, done, total) = progress.read();
                bar.set_message(stage);
                bar.set_length(total.max(1) as u64);
                bar.set_position(done as u64);
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
        })
    };
    let outcome = zhili::usecase::sheet_import::import_sheet(
        &importer,
        sheet,
        bytes,
        dry_run,
        partial,
        now_ms(),
    )
    .await;
    watcher.abort();
    bar.finish_and_clear();
    let report = match outcome {
        Ok(r) => r,
        Err(e) => return fail(format!("{}: {e}", file.display())),
    };
    for p in &report.problems {
        eprintln!(
            "{}: row {}, column {}: {} ({}){}",
            file.display(),
            p.row,
            p.column,
            p.reason,
            p.code,
            p.reason_zh
                .as_deref()
                .map(|zh| format!(" — {zh}"))
                .unwrap_or_default()
        );
    }
    if let Some(csv) = &report.rejected_csv {
        let path = file.with_extension("rejected.csv");
        if let Err(e) = std::fs::write(&path, csv) {
            return fail(format!("cannot write {}: {e}", path.display()));
        }
        eprintln!("Rejected rows written to {}.", path.display());
    }
    println!(
        "{} rows, {} valid, {} problem(s), {} written{} in {:.1} s.",
        report.rows,
        report.valid,
        report.problems.len(),
        report.written,
        if dry_run { " (dry run)" } else { "" },
        started.elapsed().as_secs_f64()
    );
    if report.problems.is_empty() || (partial && !dry_run) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

pub(super) async fn sample_people(
    db: &Db,
    first: usize,
    rows: usize,
    out: &std::path::Path,
    seed: u64,
) -> ExitCode {
    let store = match open(db).await {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let index = match zhili::regions::RegionIndex::load(&store).await {
        Ok(i) => i,
        Err(e) => return fail(e),
    };
    let Some(root) = index.root.clone() else {
        return fail("this database has no district yet");
    };
    let grids: Vec<String> = index
        .grids
        .iter()
        .map(|g| g.grid_code.to_string())
        .collect();
    match zhili::usecase::sheet_import::sample_xlsx(root.as_str(), &grids, first, rows, seed) {
        Ok(bytes) => match std::fs::write(out, bytes) {
            Ok(()) => {
                println!("Wrote {rows} people to {}.", out.display());
                ExitCode::SUCCESS
            }
            Err(e) => fail(format!("cannot write {}: {e}", out.display())),
        },
        Err(e) => fail(e),
    }
}
