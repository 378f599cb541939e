//! tokio_echo: W5's TCP echo server on a Tokio current_thread runtime: a spawned task per
//! connection doing read (up to 64 KiB) then write_all of what it read, TCP_NODELAY on
//! (as asyncio and corio set it). Driven by bench/macro/w05_echo_client.
//! usage: tokio_echo PORT        (0: any free port)
//! Prints "tokio_echo: port=P pid=N" once listening, then serves until killed.
use std::io::Write;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn main() {
    let port: u16 = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("PORT must be 0..65535"))
        .unwrap_or(0);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.expect("bind");
        println!(
            "tokio_echo: port={} pid={}",
            listener.local_addr().expect("local_addr").port(),
            std::process::id()
        );
        std::io::stdout().flush().ok();
        loop {
            let (mut s, _) = match listener.accept().await {
                Ok(c) => c,
                Err(_) => continue,
            };
            s.set_nodelay(true).ok();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                loop {
                    let n = match s.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    };
                    if s.write_all(&buf[..n]).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
}
