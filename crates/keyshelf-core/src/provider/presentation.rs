//! How a declared provider's key is put on a request to the service's normal API: one of the
//! named schemes, or the profile's templates (`PRIVATE-TOKEN: {secret}`,
//! `Authorization: ApiKey base64({id}:{secret})`, Basic from `{id}` and `{secret}`). Verify, the
//! `header` and `curl` copy formats and `exec` all render this one description.

use super::profile::template::{self, Ctx};
use super::profile::Declared;
use super::scheme::{KeyScheme, Presentation};
use crate::{Error, Result, Secret};
use base64::Engine;

/// The key of `ctx` (its secret, id and user) presented the profile's way.
pub fn present(d: &Declared, ctx: &Ctx<'_>) -> Result<Presentation> {
    let p = &d.file.presentation;
    let secret = ctx
        .secret
        .ok_or_else(|| Error::invalid("key", "no secret to present"))?;
    if let Some(name) = &p.scheme {
        let scheme: KeyScheme = name.parse()?;
        return scheme.present(secret, ctx.user);
    }
    let mut out = Presentation::default();
    for (name, t) in &p.headers {
        if let Some(v) = template::render(t, ctx).map_err(|e| needs_link(e, ctx))? {
            out.headers.push((name.clone(), Secret::new(v)));
        }
    }
    if let Some(b) = &p.basic {
        let user = template::render(&b.user, ctx).map_err(|e| needs_link(e, ctx))?;
        let pass = template::render(&b.password, ctx).map_err(|e| needs_link(e, ctx))?;
        let pair = format!("{}:{}", user.unwrap_or_default(), pass.unwrap_or_default());
        out.headers.push((
            "Authorization".into(),
            Secret::new(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            )),
        ));
    }
    Ok(out)
}

/// [`present`] as headers only (verify sends no key in a URL).
pub fn headers(d: &Declared, ctx: &Ctx<'_>) -> Result<Vec<(String, Secret)>> {
    let p = present(d, ctx)?;
    if p.userinfo.is_some() || p.query.is_some() {
        return Err(Error::invalid(
            "key scheme",
            "this provider's profile puts the key in the URL; Keyshelf verifies keys only in headers",
        ));
    }
    Ok(p.headers)
}

/// A template that needs the key's id fails for a key not linked to its remote key.
fn needs_link(e: Error, ctx: &Ctx<'_>) -> Error {
    if ctx.id.is_none() {
        Error::invalid(
            "key",
            "this service takes the key together with its id, and Keyshelf does not know the id; link the key first (`keyshelf link KEY --remote-id ID`)",
        )
    } else {
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::profile::ProviderProfile;

    fn declared(preset: &str) -> Declared {
        ProviderProfile::declared_new("p", Some(preset), None, None, Default::default())
            .unwrap()
            .declared()
            .unwrap()
            .unwrap()
    }

    #[test]
    fn a_composite_key_is_presented_as_basic_id_and_secret_and_needs_its_id() {
        let d = declared("confluent");
        let secret = Secret::from("not-a-real-secret");
        let ctx = Ctx {
            id: Some("SIMKEY0000000001"),
            secret: Some(&secret),
            ..Default::default()
        };
        let h = headers(&d, &ctx).unwrap();
        let expected =
            base64::engine::general_purpose::STANDARD.encode("SIMKEY0000000001:not-a-real-secret");
        assert_eq!(h[0].0, "Authorization");
        assert_eq!(h[0].1.expose(), format!("Basic {expected}"));
        let unlinked = Ctx {
            secret: Some(&secret),
            ..Default::default()
        };
        let e = headers(&d, &unlinked).unwrap_err();
        assert!(e.to_string().contains("link the key first"), "{e}");
    }

    #[test]
    fn a_header_preset_puts_the_key_under_the_services_own_header_names() {
        let secret = Secret::from("not-a-real-secret");
        let ctx = Ctx {
            secret: Some(&secret),
            ..Default::default()
        };
        let names = |preset: &str| -> Vec<String> {
            headers(&declared(preset), &ctx)
                .unwrap()
                .into_iter()
                .map(|(n, _)| n)
                .collect()
        };
        assert_eq!(names("gitlab"), ["PRIVATE-TOKEN"]);
        assert_eq!(names("datadog"), ["DD-API-KEY"]);
        assert_eq!(names("anthropic"), ["anthropic-version", "x-api-key"]);
        assert_eq!(names("openai"), ["Authorization"]);
    }
}
