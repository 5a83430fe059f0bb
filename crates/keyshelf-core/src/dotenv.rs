//! Reading `.env` files, by the conventions `env --format dotenv` writes them in (and that the
//! common dotenv readers share):
//! - `VAR=value`, optionally prefixed by `export `, spaces allowed around `=`;
//! - `#` starts a comment on its own line, or after a space following an unquoted value;
//! - unquoted values are trimmed; `'single'` and `` `backtick` `` quotes are literal; `"double"`
//!   quotes understand `\n`, `\r`, `\t`, `\"`, `\\`, `\$` and `` \` `` (other escapes are kept as
//!   written); quoted values may span lines;
//! - `${OTHER}` is not expanded: the value is kept as written.
//!
//! A line that is none of these (no `=`, a bad variable name, an unterminated quote) is an error
//! naming the line, so a file is never half read. Values come back as [`Secret`]s.

use crate::shelf::validate_var_name;
use crate::{Error, Result, Secret};

/// One assignment of the file.
#[derive(Debug)]
pub struct Entry {
    /// The line the assignment starts on, from 1.
    pub line: usize,
    pub var: String,
    pub value: Secret,
}

/// Parses `text`; assignments in file order (a variable set twice appears twice).
pub fn parse(text: &str) -> Result<Vec<Entry>> {
    let mut entries = Vec::new();
    let mut rest = text;
    let mut line = 1;
    while !rest.is_empty() {
        let (entry, used) = parse_line(rest, line)?;
        let consumed = &rest[..used];
        line += consumed.matches('\n').count();
        rest = &rest[used..];
        entries.extend(entry);
    }
    Ok(entries)
}

/// Parses the statement starting at `text` (on line `line`): the entry, if any, and the bytes it
/// used, through its final newline.
fn parse_line(text: &str, line: usize) -> Result<(Option<Entry>, usize)> {
    let end_of_line = text.find('\n').map_or(text.len(), |i| i + 1);
    let current = text[..end_of_line].trim_end_matches(['\n', '\r']);
    let trimmed = current.trim_start();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return Ok((None, end_of_line));
    }
    let bad = |why: &str| Error::invalid(format!("line {line}"), why.to_owned());
    let statement = trimmed
        .strip_prefix("export")
        .filter(|s| s.starts_with([' ', '\t']))
        .map_or(trimmed, str::trim_start);
    let Some(eq) = statement.find('=') else {
        return Err(bad("expected VAR=value"));
    };
    let var = statement[..eq].trim_end();
    validate_var_name(var).map_err(|_| {
        bad("the variable name must be letters, digits and `_`, not starting with a digit")
    })?;
    // The value runs from here, possibly past this line when it is quoted.
    let value_text = &text[offset_of(text, statement[eq + 1..].trim_start())..];
    let (value, used) = match value_text.chars().next() {
        Some(q @ ('\'' | '"' | '`')) => quoted(value_text, q)
            .ok_or_else(|| bad(&format!("the value's opening {q} is never closed")))?,
        _ => {
            let raw = value_text[..value_text.find('\n').unwrap_or(value_text.len())]
                .trim_end_matches('\r');
            (unquoted(raw), raw.len())
        }
    };
    let value_end = offset_of(text, value_text) + used;
    // After a quoted value: only spaces and a comment may follow on its line.
    let tail_end = text[value_end..]
        .find('\n')
        .map_or(text.len(), |i| value_end + i + 1);
    let tail = text[value_end..tail_end].trim();
    if !tail.is_empty() && !tail.starts_with('#') {
        return Err(bad("unexpected text after the quoted value"));
    }
    let entry = Entry {
        line,
        var: var.to_owned(),
        value: Secret::new(value),
    };
    Ok((Some(entry), tail_end))
}

/// The byte offset of `part` (a subslice) in `whole`.
fn offset_of(whole: &str, part: &str) -> usize {
    part.as_ptr() as usize - whole.as_ptr() as usize
}

/// An unquoted value: trimmed, up to a ` #` comment.
fn unquoted(raw: &str) -> String {
    let mut end = raw.len();
    for (i, _) in raw.match_indices('#') {
        if i == 0 || raw[..i].ends_with([' ', '\t']) {
            end = i;
            break;
        }
    }
    raw[..end].trim().to_owned()
}

/// A value in `q` quotes at the start of `text`: the value and the bytes used, closing quote
/// included; `None` when it is never closed.
fn quoted(text: &str, q: char) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut chars = text.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        if c == q {
            return Some((out, i + 1));
        }
        if c == '\\' && q == '"' {
            let (_, next) = chars.next()?;
            match next {
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                '"' | '\\' | '$' | '`' => out.push(next),
                other => {
                    out.push('\\');
                    out.push(other);
                }
            }
        } else {
            out.push(c);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inject::{render_env, EnvFormat};

    fn pairs(text: &str) -> Vec<(usize, String, String)> {
        parse(text)
            .unwrap()
            .into_iter()
            .map(|e| (e.line, e.var, e.value.expose().to_owned()))
            .collect()
    }

    #[test]
    fn reads_plain_exported_quoted_and_commented_lines() {
        let text = "# the app's keys\n\
                    \n\
                    PORT=3000\n\
                    export STRIPE_KEY=sk_test_abc # test mode\n\
                    SPACED = padded value  \n\
                    SINGLE='literal $HOME \\n #not a comment'\n\
                    DOUBLE=\"tab\\there \\\"q\\\" \\$x\"   # comment\n\
                    TICK=`back`\n\
                    HASH=a#b\n\
                    EMPTY=\n";
        assert_eq!(
            pairs(text),
            vec![
                (3, "PORT".into(), "3000".into()),
                (4, "STRIPE_KEY".into(), "sk_test_abc".into()),
                (5, "SPACED".into(), "padded value".into()),
                (
                    6,
                    "SINGLE".into(),
                    "literal $HOME \\n #not a comment".into()
                ),
                (7, "DOUBLE".into(), "tab\there \"q\" $x".into()),
                (8, "TICK".into(), "back".into()),
                (9, "HASH".into(), "a#b".into()),
                (10, "EMPTY".into(), String::new()),
            ]
        );
    }

    #[test]
    fn quoted_values_span_lines_and_later_lines_keep_their_numbers() {
        let text = "PEM=\"-----BEGIN-----\nabc\n-----END-----\"\nNEXT='x\ny'\r\nLAST=z";
        assert_eq!(
            pairs(text),
            vec![
                (
                    1,
                    "PEM".into(),
                    "-----BEGIN-----\nabc\n-----END-----".into()
                ),
                (4, "NEXT".into(), "x\ny".into()),
                (6, "LAST".into(), "z".into()),
            ]
        );
    }

    #[test]
    fn bad_lines_are_errors_naming_the_line() {
        for (text, line, why) in [
            ("A=1\njust words\n", 2, "expected VAR=value"),
            ("1BAD=x\n", 1, "variable name"),
            ("A=1\nB=\"open\nC=2\n", 2, "never closed"),
            ("A='x' trailing\n", 1, "after the quoted value"),
        ] {
            let e = parse(text).unwrap_err().to_string();
            assert!(
                e.contains(&format!("line {line}")) && e.contains(why),
                "{text:?}: {e}"
            );
        }
    }

    #[test]
    fn what_env_format_dotenv_writes_reads_back_the_same() {
        let values = [
            "plain-value_1.2:3/4+5@6,7%8",
            "with spaces",
            "it's $HOME \"quoted\" `cmd` \\ back",
            "line one\nline two",
            "both ' and \n newline",
            "# not a comment",
            "trailing space ",
            "ends with backslash \\",
            "ünïcødé ✓",
        ];
        let vars: Vec<(String, Secret)> = values
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("V{i}"), Secret::new((*v).to_owned())))
            .collect();
        let text = render_env(&vars, EnvFormat::Dotenv).unwrap();
        let back = parse(text.expose()).unwrap();
        assert_eq!(back.len(), values.len());
        for (entry, (var, value)) in back.iter().zip(&vars) {
            assert_eq!(&entry.var, var);
            assert_eq!(entry.value.expose(), value.expose(), "{var}");
        }
    }
}
