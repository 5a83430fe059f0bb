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
    if reads_the_keychain(&cli.command) {
        KeyringVault::connect_in_background();
    }
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

/// Whether the command reads a secret or a provider's credential from the keychain whatever
/// its arguments. Those start connecting at once ([`KeyringVault::connect_in_background`]): the
/// Secret Service session's key exchange then overlaps opening the store and resolving names,
/// instead of following them.
fn reads_the_keychain(command: &Command) -> bool {
    matches!(
        command,
        Command::Get(_)
            | Command::Copy(_)
            | Command::Exec(_)
            | Command::Env(_)
            | Command::Sync(_)
            | Command::Create(_)
            | Command::Activate(_)
            | Command::Deactivate(_)
            | Command::Delete(_)
            | Command::Verify(_)
            | Command::Export(_)
            | Command::Usage(_)
            | Command::Rotate(_)
            | Command::Team(_)
            | Command::Share(_)
            | Command::Unshare(_)
    )
}

/// Dates typed on the command line: the core's one rule (`YYYY-MM-DD` or RFC 3339).
pub use keyshelf_core::timestamp::parse_date;
