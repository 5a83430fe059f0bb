//! One module per group of commands; each function takes parsed arguments and returns an exit
//! code or a core error.

mod copy;
mod env_import;
mod keys;
mod policy;
mod provider;
mod remind;
mod rotate;
mod team;

use crate::cli::{Cli, Command};
use keyshelf_core::vault::KeyringVault;
use keyshelf_core::{Keyshelf, Result};
use std::process::ExitCode;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode> {
    let json = cli.json;
    let open = Keyshelf::open_default;
    match cli.command {
        Command::Generate(a) => keys::generate(&mut open()?, a, json),
        Command::Import(a) => keys::import(&mut open()?, a, json),
        Command::ImportEnv(a) => env_import::run(&mut open()?, a, json),
        Command::Link(a) => keys::link(&mut open()?, a, json),
        Command::List(a) => keys::list(&open()?, a, json),
        Command::Show(a) => keys::show(&open()?, &a.keyref, json),
        Command::Get(a) => keys::get(&mut open()?, &a.keyref),
        Command::Remove(a) => keys::remove(&mut open()?, a, json),
        Command::Edit(a) => keys::edit(&mut open()?, a, json),
        Command::Snooze(a) => keys::snooze(&mut open()?, a, json),
        Command::Audit(a) => keys::audit(&open()?, a, json),
        Command::Policy(p) => policy::run(&mut open()?, p, json),
        Command::Due(a) => policy::due(&open()?, a, json),
        Command::Provider(c) => provider::run(&mut open()?, c, json),
        Command::Create(a) => provider::create(&mut open()?, a, json),
        Command::Sync(a) => provider::sync(&mut open()?, a, json),
        Command::Activate(a) => provider::set_active(&mut open()?, &a.keyref, true, json),
        Command::Deactivate(a) => provider::set_active(&mut open()?, &a.keyref, false, json),
        Command::Delete(a) => provider::delete(&mut open()?, a, json),
        Command::Verify(a) => provider::verify(&mut open()?, &a.keyref, json),
        Command::Export(a) => provider::export(&open()?, a, json),
        Command::Usage(a) => provider::usage(&open()?, &a.provider, json),
        Command::Remind(a) => remind::run(a, json),
        Command::Rotate(a) => rotate::run(&mut open()?, a, json),
        Command::Copy(a) => copy::copy(&mut open()?, a, json),
        Command::Exec(a) => copy::exec(open()?, a),
        Command::Env(a) => copy::env(&mut open()?, a, json),
        Command::ClearAfter(a) => copy::clear_after(&mut open()?, a, json),
        Command::Team(c) => team::run(&mut open()?, c, json),
        Command::Share(a) => team::share(&mut open()?, a, json),
        Command::Unshare(a) => team::unshare(&mut open()?, a, json),
        // Needs no store.
        Command::SuggestName(a) => keys::suggest_name(&a, json),
    }
}

/// The commands that read the keychain, by the name typed: their connection to it starts before
/// anything else (see [`connect_early`]).
const READ_THE_KEYCHAIN: &[&str] = &[
    "get",
    "copy",
    "exec",
    "env",
    "sync",
    "create",
    "activate",
    "deactivate",
    "delete",
    "verify",
    "export",
    "usage",
    "rotate",
    "team",
    "share",
    "unshare",
];

/// Starts connecting to the keychain when the command line names a command that reads it.
///
/// Called first thing in `main`, before clap builds its parser: the connection (most of it is
/// waiting on the keychain daemon's half of the session's key exchange) then overlaps the
/// parsing, the store's opening and the name lookup, instead of starting ~1.5 ms into a `get`
/// (BENCHMARKS.md, 2026-12-07). The command is the first argument that is not an option (the
/// only global option, `--json`, takes no value); a wrong guess costs one connection or none.
pub fn connect_early(args: impl IntoIterator<Item = std::ffi::OsString>) {
    if names_a_keychain_reader(args) {
        KeyringVault::connect_in_background();
    }
}

/// Whether the command the arguments name (the first that is not an option) reads the keychain.
fn names_a_keychain_reader(args: impl IntoIterator<Item = std::ffi::OsString>) -> bool {
    args.into_iter()
        .find(|a| !a.as_encoded_bytes().starts_with(b"-"))
        .is_some_and(|c| READ_THE_KEYCHAIN.iter().any(|r| c == **r))
}

/// Dates typed on the command line: the core's one rule (`YYYY-MM-DD` or RFC 3339).
pub use keyshelf_core::timestamp::parse_date;

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Commands that never read a secret, so start no keychain connection.
    const NEED_NO_KEYCHAIN: &[&str] = &[
        "generate",
        "import",
        "import-env",
        "link",
        "list",
        "show",
        "remove",
        "edit",
        "snooze",
        "audit",
        "policy",
        "due",
        "provider",
        "remind",
        "clear-after",
        "suggest-name",
    ];

    #[test]
    fn the_command_is_the_first_argument_that_is_not_an_option() {
        let reads = |args: &[&str]| names_a_keychain_reader(args.iter().map(Into::into));
        assert!(reads(&["get", "local/a"]));
        assert!(reads(&["--json", "exec", "--env", "dev", "--", "env"]));
        assert!(!reads(&["list", "--json"]));
        // A key named like a command is an argument, not the command.
        assert!(!reads(&["show", "get"]));
        assert!(!reads(&["--help"]));
        assert!(!reads(&[]));
    }

    /// Clap's own checks of the whole command tree (conflicting names, bad defaults, groups
    /// naming unknown arguments). The subcommands' arguments are built only when a command line
    /// names them (`defer` in cli.rs), so without this a mistake in one would surface only when
    /// someone typed that command.
    #[test]
    fn the_command_tree_passes_clap_s_checks() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_command_is_sorted_into_reading_the_keychain_or_not() {
        let names: Vec<String> = Cli::command()
            .get_subcommands()
            .map(|c| c.get_name().to_owned())
            .filter(|n| n != "help")
            .collect();
        for n in &names {
            let reads = READ_THE_KEYCHAIN.contains(&n.as_str());
            let not = NEED_NO_KEYCHAIN.contains(&n.as_str());
            assert!(reads != not, "`{n}` must be in exactly one list");
        }
        for n in READ_THE_KEYCHAIN.iter().chain(NEED_NO_KEYCHAIN) {
            assert!(names.iter().any(|c| c == n), "`{n}` is no command");
        }
    }
}
