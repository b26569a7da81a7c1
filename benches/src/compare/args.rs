//! The command line of `compare`.

use std::path::PathBuf;

/// Usage, printed by `--help` and after a bad argument.
pub const USAGE: &str = "\
usage: compare [FILTER...] [--workers N] [--rounds R] [--json FILE] [--svg FILE] [--list]

Runs every workload on weft, tokio and smol's stack, interleaved round by round, and prints
a markdown table of medians and of the median per-round ratios weft/tokio and weft/smol.

  FILTER       run only workloads whose name contains one of these substrings
  --workers N  worker threads of each runtime (default 2)
  --rounds R   timed rounds per runtime and workload (default: 10, fewer for slow
               workloads); warm-up rounds come on top
  --json FILE  also write every sample, median, spread and ratio as JSON
  --svg FILE   also draw the ratios as an SVG bar chart
  --list       print the workload names and exit";

/// What to run and where to write it.
#[derive(Debug, Default)]
pub struct Args {
    /// Substrings; a workload runs if its name contains any (all run when empty).
    pub filters: Vec<String>,
    /// Worker threads per runtime.
    pub workers: usize,
    /// Timed rounds, overriding each workload's default.
    pub rounds: Option<usize>,
    /// Where to write the JSON document.
    pub json: Option<PathBuf>,
    /// Where to write the SVG chart.
    pub svg: Option<PathBuf>,
    /// Print the workload names and exit.
    pub list: bool,
    /// Print the usage and exit.
    pub help: bool,
    /// Hidden: measure this child-process workload and print the number.
    pub child: Option<String>,
    /// Hidden: the runtime the child measures.
    pub runtime: Option<String>,
}

fn count(flag: &str, value: Option<String>) -> Result<usize, String> {
    let value = value.ok_or_else(|| format!("{flag} needs a value"))?;
    match value.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("{flag} {value:?}: expected a whole number >= 1")),
    }
}

/// Parses the arguments after the program name.
///
/// # Errors
///
/// What is wrong with the command line.
pub fn parse(argv: impl IntoIterator<Item = String>) -> Result<Args, String> {
    let mut args = Args {
        workers: 2,
        ..Args::default()
    };
    let mut argv = argv.into_iter();
    while let Some(arg) = argv.next() {
        match arg.as_str() {
            "--workers" => args.workers = count(&arg, argv.next())?,
            "--rounds" => args.rounds = Some(count(&arg, argv.next())?),
            "--json" => {
                args.json = Some(argv.next().ok_or("--json needs a file")?.into());
            }
            "--svg" => args.svg = Some(argv.next().ok_or("--svg needs a file")?.into()),
            "--list" => args.list = true,
            "-h" | "--help" => args.help = true,
            "--child" => args.child = Some(argv.next().ok_or("--child needs a workload")?),
            "--runtime" => {
                args.runtime = Some(argv.next().ok_or("--runtime needs a name")?);
            }
            flag if flag.starts_with('-') => return Err(format!("unknown flag {flag:?}")),
            filter => args.filters.push(filter.to_owned()),
        }
    }
    Ok(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(s: &str) -> Result<Args, String> {
        parse(s.split_whitespace().map(str::to_owned))
    }

    #[test]
    fn defaults_and_flags() {
        let a = parse_str("").unwrap();
        assert_eq!((a.workers, a.rounds), (2, None));
        let a = parse_str("spawn yield --workers 4 --rounds 1 --json o.json --svg o.svg").unwrap();
        assert_eq!(a.filters, ["spawn", "yield"]);
        assert_eq!((a.workers, a.rounds), (4, Some(1)));
        assert_eq!(a.json.unwrap(), PathBuf::from("o.json"));
        assert_eq!(a.svg.unwrap(), PathBuf::from("o.svg"));
    }

    #[test]
    fn bad_input_is_an_error_that_names_it() {
        assert!(parse_str("--rounds 0").unwrap_err().contains("--rounds"));
        assert!(parse_str("--workers")
            .unwrap_err()
            .contains("needs a value"));
        assert!(parse_str("--bogus").unwrap_err().contains("--bogus"));
    }
}
