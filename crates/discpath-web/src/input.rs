//! Reading and validating request bodies, path parameters and query parameters.
//!
//! JSON bodies must say `Content-Type: application/json` (which a cross-site HTML form cannot
//! send), stay under the body limit (413) and parse (422). [`Fields`] then checks an object's
//! fields one by one and reports every problem with its path, as the assessment contract does;
//! text never carries control characters or bidirectional overrides. [`Path`] and [`Query`]
//! answer undecodable ids and malformed queries with the same JSON error.

use std::borrow::Cow;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use base64::Engine as _;
use discpath_model::FieldError;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::state::AppState;

/// A JSON request body as text (kept as received, e.g. an assessment document).
pub(crate) struct JsonText(pub String);

impl FromRequest<AppState> for JsonText {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        let json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| {
                value
                    .split(';')
                    .next()
                    .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
            });
        if !json {
            return Err(ApiError::UnsupportedMediaType("application/json"));
        }
        let bytes = Bytes::from_request(request, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge
            } else {
                ApiError::invalid("", "the request body could not be read")
            }
        })?;
        // The router's limit admits uploads; JSON bodies have their own, smaller one.
        if bytes.len() > state.config.body_limit {
            return Err(ApiError::PayloadTooLarge);
        }
        String::from_utf8(bytes.to_vec())
            .map(Self)
            .map_err(|_| ApiError::invalid("", "the body is not UTF-8"))
    }
}

/// Path parameters; an undecodable one is a 422 naming `path`.
pub(crate) struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Self(value)),
            Err(rejection) => Err(ApiError::invalid("path", rejection.body_text())),
        }
    }
}

/// Query parameters; a malformed query (a repeated or mistyped parameter) is a 422 naming
/// `query`.
pub(crate) struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Self(value)),
            Err(rejection) => Err(ApiError::invalid("query", rejection.body_text())),
        }
    }
}

/// A JSON request body, parsed.
pub(crate) struct JsonBody(pub Value);

impl FromRequest<AppState> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        let JsonText(text) = JsonText::from_request(request, state).await?;
        serde_json::from_str(&text)
            .map(Self)
            .map_err(|e| ApiError::invalid("", format!("not valid JSON: {e}")))
    }
}

/// An object's fields, checked one by one; [`Fields::finish`] reports every problem at once.
pub(crate) struct Fields<'v> {
    object: Option<&'v Map<String, Value>>,
    errors: Vec<FieldError>,
}

impl<'v> Fields<'v> {
    /// Starts checking `value`, which must be an object with only the `known` keys.
    pub(crate) fn new(value: &'v Value, known: &[&str]) -> Self {
        let mut fields = Self { object: value.as_object(), errors: Vec::new() };
        match fields.object {
            None => fields.reject("", "expected a JSON object"),
            Some(object) => {
                for key in object.keys().filter(|key| !known.contains(&key.as_str())) {
                    fields.reject(key, "unknown field");
                }
            }
        }
        fields
    }

    /// Records a problem with a field.
    pub(crate) fn reject(&mut self, path: &str, message: impl Into<String>) {
        self.errors.push(FieldError { path: path.to_owned(), message: message.into() });
    }

    /// One line of 1 to `max` characters (trimmed); `required` makes absence an error.
    pub(crate) fn text(&mut self, key: &str, required: bool, max: usize) -> Option<String> {
        self.string(key, required, max, false)
    }

    /// Text of 1 to `max` characters (trimmed) that may run over several lines.
    pub(crate) fn paragraphs(&mut self, key: &str, required: bool, max: usize) -> Option<String> {
        self.string(key, required, max, true)
    }

    fn string(&mut self, key: &str, required: bool, max: usize, lines: bool) -> Option<String> {
        match self.object.and_then(|o| o.get(key)) {
            None | Some(Value::Null) if required => {
                self.reject(key, "required");
                None
            }
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => {
                let text = text.trim();
                if text.is_empty() || text.chars().count() > max {
                    self.reject(key, format!("expected 1 to {max} characters"));
                    return None;
                }
                if let Some(bad) =
                    text.chars().find(|c| discpath_model::text::forbidden_character(*c, lines))
                {
                    self.reject(
                        key,
                        format!(
                            "contains a control or direction character (U+{:04X})",
                            u32::from(bad)
                        ),
                    );
                    return None;
                }
                Some(text.to_owned())
            }
            Some(_) => {
                self.reject(key, "expected a string");
                None
            }
        }
    }

    /// A date, `YYYY-MM-DD`.
    pub(crate) fn date(&mut self, key: &str, required: bool) -> Option<String> {
        let text = self.text(key, required, 10)?;
        match text.parse::<jiff::civil::Date>() {
            Ok(date) if text.len() == 10 => Some(date.to_string()),
            _ => {
                self.reject(key, format!("{text:?} is not a date (YYYY-MM-DD)"));
                None
            }
        }
    }

    /// One of a list of codes.
    pub(crate) fn one_of(&mut self, key: &str, required: bool, codes: &[&str]) -> Option<String> {
        let text = self.text(key, required, 64)?;
        if codes.contains(&text.as_str()) {
            Some(text)
        } else {
            self.reject(key, format!("{text:?} is not one of {}", codes.join(", ")));
            None
        }
    }

    /// An e-mail address (one `@`, something on either side, no spaces).
    pub(crate) fn email(&mut self, key: &str, required: bool) -> Option<String> {
        let text = self.text(key, required, 254)?;
        let valid = text.split('@').count() == 2
            && text.split('@').all(|part| !part.is_empty())
            && !text.contains(char::is_whitespace);
        if valid {
            Some(text.to_lowercase())
        } else {
            self.reject(key, format!("{text:?} is not an e-mail address"));
            None
        }
    }

    /// A phone number: digits with spaces, `+`, `-`, `.` or brackets, at least six digits.
    pub(crate) fn phone(&mut self, key: &str) -> Option<String> {
        let text = self.text(key, false, 40)?;
        let digits = text.chars().filter(char::is_ascii_digit).count();
        let allowed = text.chars().all(|c| c.is_ascii_digit() || " +-.()".contains(c));
        if allowed && digits >= 6 {
            Some(text)
        } else {
            self.reject(key, format!("{text:?} is not a phone number (digits, spaces, + - . ( ))"));
            None
        }
    }

    /// An integer from `min` to `max`.
    pub(crate) fn integer(&mut self, key: &str, min: i64, max: i64) -> Option<i64> {
        match self.object.and_then(|o| o.get(key)) {
            None | Some(Value::Null) => None,
            Some(value) => match value.as_i64() {
                Some(n) if (min..=max).contains(&n) => Some(n),
                _ => {
                    self.reject(key, format!("expected a whole number from {min} to {max}"));
                    None
                }
            },
        }
    }

    /// A boolean.
    pub(crate) fn boolean(&mut self, key: &str) -> Option<bool> {
        match self.object.and_then(|o| o.get(key)) {
            None => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => {
                self.reject(key, "expected true or false");
                None
            }
        }
    }

    /// Whether the object has the key (for partial updates).
    pub(crate) fn has(&self, key: &str) -> bool {
        self.object.is_some_and(|o| o.contains_key(key))
    }

    /// Every problem found, or nothing.
    pub(crate) fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() { Ok(()) } else { Err(ApiError::Invalid(self.errors)) }
    }
}

/// `?limit=&cursor=` of a list.
#[derive(Debug, Deserialize)]
pub(crate) struct PageQuery {
    limit: Option<String>,
    cursor: Option<String>,
}

/// The largest page.
const MAX_LIMIT: i64 = 100;

impl PageQuery {
    /// Whether this asks for a page after the first.
    pub(crate) fn is_later(&self) -> bool {
        self.cursor.is_some()
    }

    /// The page size (1–100, default 50) and the id after which the page starts.
    pub(crate) fn parse(&self) -> Result<(i64, Option<String>), ApiError> {
        let limit = match &self.limit {
            None => 50,
            Some(text) => match text.parse::<i64>() {
                Ok(limit) if (1..=MAX_LIMIT).contains(&limit) => limit,
                _ => return Err(ApiError::invalid("limit", format!("expected 1 to {MAX_LIMIT}"))),
            },
        };
        let after = match &self.cursor {
            None => None,
            Some(cursor) => Some(
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(cursor)
                    .ok()
                    .and_then(|bytes| String::from_utf8(bytes).ok())
                    .ok_or_else(bad_cursor)?,
            ),
        };
        Ok((limit, after))
    }
}

/// A page of a list: the items and the cursor of the next page, if there may be one.
#[derive(Debug, serde::Serialize)]
pub(crate) struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// A page whose next cursor is the last item's key, when the page is full.
    pub(crate) fn new(items: Vec<T>, limit: i64, key: impl Fn(&T) -> Cow<'_, str>) -> Self {
        let full = i64::try_from(items.len()).is_ok_and(|n| n == limit);
        let next_cursor = items
            .last()
            .filter(|_| full)
            .map(|last| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&*key(last)));
        Self { items, next_cursor }
    }
}

/// The error for a cursor this server did not make.
pub(crate) fn bad_cursor() -> ApiError {
    ApiError::invalid("cursor", "not a cursor from a previous page")
}
