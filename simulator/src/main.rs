//! The simulator on its own: `cargo run -p simulator -- --addr 127.0.0.1:4000`.

use std::net::SocketAddr;

use simulator::SimConfig;

const USAGE: &str = "usage: simulator [--addr HOST:PORT] [--public-base URL]\n\
    Credentials and callback domains come from SIM_* environment variables (see README).";

struct Args {
    addr: SocketAddr,
    public_base: Option<String>,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args {
        addr: SocketAddr::from(([127, 0, 0, 1], 4000)),
        public_base: None,
    };
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f.to_owned(), Some(v.to_owned())),
            None => (arg, None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or(format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--addr" => {
                let v = value()?;
                parsed.addr = v.parse().map_err(|e| format!("bad --addr {v}: {e}"))?;
            }
            "--public-base" => parsed.public_base = Some(value()?),
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    Ok(parsed)
}

#[tokio::main]
async fn main() {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let mut config = SimConfig::from_env();
    if args.public_base.is_some() {
        config.public_base = args.public_base;
    }
    let listener = match tokio::net::TcpListener::bind(args.addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("cannot listen on {}: {e}", args.addr);
            std::process::exit(1);
        }
    };
    println!("provider simulator on http://{}/", args.addr);
    if let Err(e) = axum::serve(listener, simulator::router(config)).await {
        eprintln!("server error: {e}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Result<Args, String> {
        parse_args(list.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn parses_addr_and_public_base() {
        let parsed =
            args(&["--addr", "0.0.0.0:4100", "--public-base=http://x:4100"]).expect("valid");
        assert_eq!(parsed.addr.port(), 4100);
        assert_eq!(parsed.public_base.as_deref(), Some("http://x:4100"));
        assert_eq!(args(&[]).expect("defaults").addr.port(), 4000);
        assert!(args(&["--addr"]).is_err());
        assert!(args(&["--addr", "nope"]).is_err());
        assert!(args(&["--verbose"]).is_err());
    }
}
