"""A loopback HTTP server that records what reached it: the "internal service" of the
outbound-guard tests (a request the guard lets through shows up in ``hits``)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Recorder(ThreadingHTTPServer):
    """A loopback HTTP server that records what reached it and answers as told."""

    def __init__(self, answer):
        self.hits: list[str] = []
        # Every POST as it arrived: (path, headers, raw body).
        self.posts: list[tuple[str, dict[str, str], bytes]] = []
        self.answer = answer
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                recorder.posts.append((self.path, dict(self.headers.items()), body))
                self.do_GET()

            def do_GET(self):
                recorder.hits.append(self.path)
                status, headers, body = recorder.answer(self.path)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.port = self.server_address[1]
        threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True).start()

    def url(self, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}"

    def close(self):
        self.shutdown()
        self.server_close()
