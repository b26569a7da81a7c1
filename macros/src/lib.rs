//! `#[weft::main]` and `#[weft::test]`: write `async fn main` or an `async fn` test and
//! have it run on a fresh weft runtime.
//!
//! Both accept optional settings, passed on to `weft::Builder`:
//! `#[weft::main(worker_threads = 4)]`, `#[weft::test(worker_threads = 1)]`.
//!
//! Written against the compiler's own `proc_macro` API only: the transformation is small
//! (drop `async`, wrap the body in `block_on`), so it does not need a parser crate.
#![deny(unsafe_op_in_unsafe_fn)]

use proc_macro::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};

/// Runs `async fn main` on a new weft runtime and shuts the runtime down when it returns.
///
/// ```
/// #[weft::main]
/// async fn main() {
///     let h = weft::spawn(async { 1 + 1 });
///     assert_eq!(h.await.unwrap(), 2);
/// }
/// ```
///
/// With settings: `#[weft::main(worker_threads = 2)]`.
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(args, item, false)
}

/// Runs an `async fn` test on a new weft runtime (one per test).
///
/// ```
/// #[weft::test]
/// async fn adds() {
///     assert_eq!(weft::spawn(async { 2 }).await.unwrap(), 2);
/// }
/// ```
///
/// With settings: `#[weft::test(worker_threads = 1)]`.
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(args, item, true)
}

fn expand(args: TokenStream, item: TokenStream, is_test: bool) -> TokenStream {
    match try_expand(args, item.clone(), is_test) {
        Ok(out) => out,
        Err((msg, span)) => {
            let mut out = compile_error(&msg, span);
            // Keep the original item so the user sees one error, not a cascade.
            out.extend(item);
            out
        }
    }
}

type Error = (String, Span);

fn try_expand(args: TokenStream, item: TokenStream, is_test: bool) -> Result<TokenStream, Error> {
    let settings = parse_settings(args)?;
    let mut tokens: Vec<TokenTree> = item.into_iter().collect();
    let body = match tokens.pop() {
        Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => g,
        Some(other) => return Err(("expected a function body".into(), other.span())),
        None => return Err(("expected an async fn".into(), Span::call_site())),
    };
    let async_at = tokens
        .iter()
        .position(|t| matches!(t, TokenTree::Ident(i) if i.to_string() == "async"))
        .ok_or_else(|| {
            let span = tokens.first().map_or(Span::call_site(), TokenTree::span);
            (
                "the function must be `async fn`: weft runs it to completion".to_string(),
                span,
            )
        })?;
    let fn_at = tokens
        .iter()
        .position(|t| matches!(t, TokenTree::Ident(i) if i.to_string() == "fn"))
        .ok_or_else(|| ("expected `fn`".to_string(), Span::call_site()))?;
    if let Some(TokenTree::Group(params)) = tokens.get(fn_at + 2) {
        if is_test && !params.stream().is_empty() {
            return Err(("test functions take no arguments".into(), params.span()));
        }
    }
    tokens.remove(async_at);

    let mut out = TokenStream::new();
    if is_test {
        // #[::core::prelude::v1::test]
        out.extend(attr(path(&["core", "prelude", "v1", "test"])));
    }
    out.extend(tokens);

    // { ::weft::Builder::new()<settings>.build().expect("...").block_on(async move <body>) }
    let mut call = path(&["weft", "Builder", "new"]);
    call.push(group(Delimiter::Parenthesis, TokenStream::new()));
    for (name, value) in settings {
        call.push(TokenTree::Punct(Punct::new('.', Spacing::Alone)));
        call.push(TokenTree::Ident(Ident::new(&name, Span::call_site())));
        call.push(group(Delimiter::Parenthesis, TokenStream::from(value)));
    }
    for (method, arg) in [
        ("build", None),
        (
            "expect",
            Some("weft: the runtime could not start its worker threads"),
        ),
    ] {
        call.push(TokenTree::Punct(Punct::new('.', Spacing::Alone)));
        call.push(TokenTree::Ident(Ident::new(method, Span::call_site())));
        let arg = arg.map(|a| TokenStream::from(TokenTree::Literal(Literal::string(a))));
        call.push(group(Delimiter::Parenthesis, arg.unwrap_or_default()));
    }
    call.push(TokenTree::Punct(Punct::new('.', Spacing::Alone)));
    call.push(TokenTree::Ident(Ident::new("block_on", Span::call_site())));
    let mut future: Vec<TokenTree> = vec![
        TokenTree::Ident(Ident::new("async", Span::call_site())),
        TokenTree::Ident(Ident::new("move", Span::call_site())),
    ];
    future.push(TokenTree::Group(body));
    call.push(group(Delimiter::Parenthesis, future.into_iter().collect()));
    out.extend([group(Delimiter::Brace, call.into_iter().collect())]);
    Ok(out)
}

/// Parses `name = value, ...`; only builder settings that take one value are allowed.
fn parse_settings(args: TokenStream) -> Result<Vec<(String, TokenTree)>, Error> {
    const ALLOWED: [&str; 2] = ["worker_threads", "event_interval"];
    let mut out = Vec::new();
    let mut it = args.into_iter().peekable();
    while let Some(tt) = it.next() {
        let name = match tt {
            TokenTree::Ident(i) => i,
            other => return Err(("expected a setting name".into(), other.span())),
        };
        if !ALLOWED.contains(&name.to_string().as_str()) {
            return Err((
                format!(
                    "unknown setting `{name}`; supported: {}",
                    ALLOWED.join(", ")
                ),
                name.span(),
            ));
        }
        match it.next() {
            Some(TokenTree::Punct(p)) if p.as_char() == '=' => {}
            _ => return Err((format!("expected `{name} = value`"), name.span())),
        }
        let value = it
            .next()
            .ok_or_else(|| (format!("`{name}` needs a value"), name.span()))?;
        out.push((name.to_string(), value));
        match it.next() {
            None => break,
            Some(TokenTree::Punct(p)) if p.as_char() == ',' => {}
            Some(other) => return Err(("expected `,` between settings".into(), other.span())),
        }
    }
    Ok(out)
}

fn path(segments: &[&str]) -> Vec<TokenTree> {
    let mut out = Vec::new();
    for seg in segments {
        out.push(TokenTree::Punct(Punct::new(':', Spacing::Joint)));
        out.push(TokenTree::Punct(Punct::new(':', Spacing::Alone)));
        out.push(TokenTree::Ident(Ident::new(seg, Span::call_site())));
    }
    out
}

fn group(delimiter: Delimiter, stream: TokenStream) -> TokenTree {
    TokenTree::Group(Group::new(delimiter, stream))
}

fn attr(path: Vec<TokenTree>) -> Vec<TokenTree> {
    vec![
        TokenTree::Punct(Punct::new('#', Spacing::Alone)),
        group(Delimiter::Bracket, path.into_iter().collect()),
    ]
}

fn compile_error(msg: &str, span: Span) -> TokenStream {
    let mut tokens = path(&["core", "compile_error"]);
    tokens.push(TokenTree::Punct(Punct::new('!', Spacing::Alone)));
    let mut lit = TokenTree::Literal(Literal::string(msg));
    lit.set_span(span);
    tokens.push(group(Delimiter::Parenthesis, TokenStream::from(lit)));
    tokens.push(TokenTree::Punct(Punct::new(';', Spacing::Alone)));
    for t in &mut tokens {
        t.set_span(span);
    }
    tokens.into_iter().collect()
}
