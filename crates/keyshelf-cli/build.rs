//! Records the git commit for `keyshelf --version` ("keyshelf 0.1.0 (abc1234)").

include!("git_commit.rs");

fn main() {
    emit_git_commit();
}
