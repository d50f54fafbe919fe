//! Counts, for each whole-file schema in `fixtures/corpus/`, the statements sqlshift reads
//! (manages), leaves alone (recognised, not managed) and refuses (cannot read).
//!
//! `cargo run --example corpus_report`

use sqlshift::parse::kind::{classify, Kind};
use sqlshift::parse::{parse_schema_report, split, ParseError, SourceFile, Target};

fn main() -> std::io::Result<()> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/corpus");
    println!("| file | statements | managed | not managed | refused |");
    println!("|---|---|---|---|---|");
    for dialect in ["postgres", "mysql", "sqlite"] {
        let mut files: Vec<_> = std::fs::read_dir(root.join(dialect))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "sql"))
            .collect();
        files.sort();
        for path in files {
            let text = std::fs::read_to_string(&path)?;
            let pieces = split::split(&text).unwrap_or_default();
            let managed = pieces
                .iter()
                .filter(|p| classify(&p.text) == Kind::Managed)
                .count();
            let source = SourceFile {
                name: path.display().to_string(),
                text,
            };
            // Statements about tables left alone are classified as managed but skipped.
            let (left_alone, refused) =
                match parse_schema_report(&[source], true, Target::of(dialect)) {
                    Ok((_, skipped)) => (skipped.len(), 0),
                    Err(ParseError::Many(lines)) => (pieces.len() - managed, lines.len() - 1),
                    Err(_) => (pieces.len() - managed, 1),
                };
            let managed = pieces.len() - left_alone;
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            println!(
                "| {dialect}/{} | {} | {managed} | {} | {refused} |",
                name.unwrap_or_default(),
                pieces.len(),
                left_alone,
            );
        }
    }
    Ok(())
}
