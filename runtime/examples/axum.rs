//! An axum app on weft: a `Router` with two routes, a JSON body and a shared state, served
//! by `weft::hyper::serve` through hyper-util's tower adapter. No tokio runtime runs.
//!
//! ```sh
//! cargo run --release --features hyper --example axum -- [ADDR]
//! curl http://127.0.0.1:3000/
//! curl -X POST -H 'content-type: application/json' -d '{"name":"weft"}' http://127.0.0.1:3000/greet
//! ```
//!
//! `SHUTDOWN_AFTER=SECONDS` stops it gracefully after that long.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use hyper_util::service::TowerToHyperService;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use weft::net::TcpListener;

/// Shared by every request: how many greetings were given.
#[derive(Clone, Default)]
struct AppState {
    greetings: Arc<AtomicU64>,
}

async fn index(State(state): State<AppState>) -> String {
    let n = state.greetings.load(Ordering::Relaxed);
    format!("Hello from axum on weft; {n} greetings so far.\n")
}

/// `{"name": "..."}` in, `{"greeting": "...", "number": n}` out.
async fn greet(State(state): State<AppState>, Json(body): Json<Value>) -> Json<Value> {
    let name = body["name"].as_str().unwrap_or("stranger");
    let number = state.greetings.fetch_add(1, Ordering::Relaxed) + 1;
    Json(json!({ "greeting": format!("Hello, {name}!"), "number": number }))
}

async fn shutdown_signal() {
    match std::env::var("SHUTDOWN_AFTER")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
    {
        Some(secs) => weft::time::sleep(Duration::from_secs_f64(secs)).await,
        None => std::future::pending().await,
    }
}

#[weft::main]
async fn main() -> std::io::Result<()> {
    let app = Router::new()
        .route("/", get(index))
        .route("/greet", post(greet))
        .with_state(AppState::default());

    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3000".into());
    let listener = TcpListener::bind(&addr)?;
    println!("listening on http://{}", listener.local_addr()?);
    weft::hyper::serve(listener, TowerToHyperService::new(app))
        .with_graceful_shutdown(shutdown_signal())
        .await
}
