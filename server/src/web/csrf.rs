//! Cross-site request forgery protection for every state-changing request.
//!
//! Browsers say where a request comes from: modern ones send `Sec-Fetch-Site`, and all of
//! them send `Origin` on a POST. A write whose `Sec-Fetch-Site` is neither `same-origin`
//! nor `none` (typed by the user), or whose `Origin` names another host than the one it was
//! sent to, is refused with 403. Requests with neither header come from programs such as
//! the AWS CLI, which a web page cannot forge, and pass. Per-form tokens can be added on top
//! where a page needs them; this check covers every route, including server functions.

use axum::{
    extract::Request,
    http::{HeaderMap, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// Refuses unsafe-method requests that a browser reports as cross-site.
pub async fn refuse_cross_site_writes(request: Request, next: Next) -> Response {
    let safe_method = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe_method && let Err(reason) = check_same_origin(request.headers()) {
        tracing::warn!(method = %request.method(), uri = %request.uri(), reason, "refused a cross-site request");
        return (StatusCode::FORBIDDEN, format!("cross-site request refused: {reason}")).into_response();
    }
    next.run(request).await
}

fn check_same_origin(headers: &HeaderMap) -> Result<(), &'static str> {
    if let Some(site) = headers.get("sec-fetch-site") {
        return match site.as_bytes() {
            b"same-origin" | b"none" => Ok(()),
            _ => Err("the browser reports that another site sent this request"),
        };
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let Some(host) = headers.get(header::HOST) else {
        return Err("the request has an Origin but no Host header");
    };
    let origin = origin.to_str().map_err(|_| "the Origin header is not text")?;
    let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or("");
    if origin_host.as_bytes() == host.as_bytes() { Ok(()) } else { Err("the Origin header names another site") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().expect("valid header value"));
        }
        map
    }

    #[test]
    fn decides_by_fetch_metadata_then_origin() {
        let cases: &[(&[(&str, &str)], bool)] = &[
            (&[], true),
            (&[("sec-fetch-site", "same-origin")], true),
            (&[("sec-fetch-site", "none")], true),
            (&[("sec-fetch-site", "cross-site")], false),
            (&[("sec-fetch-site", "same-site")], false),
            (&[("origin", "http://127.0.0.1:3000"), ("host", "127.0.0.1:3000")], true),
            (&[("origin", "http://evil.example"), ("host", "127.0.0.1:3000")], false),
            (&[("origin", "null"), ("host", "127.0.0.1:3000")], false),
            (&[("origin", "http://127.0.0.1:3000")], false),
        ];
        for (pairs, allowed) in cases {
            assert_eq!(check_same_origin(&headers(pairs)).is_ok(), *allowed, "{pairs:?}");
        }
    }
}
