"""nginx in front of the app processes: one loopback port, sticky sessions, fail-over.

Streamlit keeps each browser session in the memory of the process that serves its
websocket, so every request of a browser must reach the same process. Open-source nginx has
no sticky-cookie directive; instead the first response sets a random ``tutor_route`` cookie
and the upstream is chosen by a consistent hash of it. When that process is gone, nginx
passes the request to the next one (``proxy_next_upstream``): the browser reconnects there
and the learner signs in again, with all progress in PostgreSQL. The JSON API's writes are
idempotent (client keys), so nginx may retry them too (``non_idempotent``).
"""

from __future__ import annotations

from pathlib import Path

TEMPLATE = """# Written by deploy/nginx.py for `make team`; edits are overwritten.
worker_processes 1;
daemon on;
pid nginx.pid;
error_log error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log access.log;
    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;
    client_max_body_size {max_body_mb}m;

    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    # Sticky sessions: a browser keeps the route cookie it got first; its hash picks the app.
    map $cookie_tutor_route $tutor_route {{ "" $request_id; default $cookie_tutor_route; }}

    upstream tutor_apps {{
        hash $tutor_route consistent;
{servers}
    }}

    server {{
        listen {listen};
        location / {{
            proxy_pass http://tutor_apps;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $http_host;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_read_timeout 1h;
            proxy_next_upstream error timeout http_502 non_idempotent;
            proxy_next_upstream_tries 3;
            add_header Set-Cookie "tutor_route=$tutor_route; Path=/; HttpOnly; SameSite=Lax" always;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


def render(port: int, app_ports: list[int], host: str = "127.0.0.1",
           max_body_mb: int = 60) -> str:
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;"
                        for p in app_ports)
    return TEMPLATE.format(listen=f"{host}:{port}", servers=servers, max_body_mb=max_body_mb)


def write_config(folder: Path, port: int, app_ports: list[int]) -> Path:
    """Write ``folder/nginx.conf`` (and the temp folders nginx needs); its path."""
    for sub in ("tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    conf = folder / "nginx.conf"
    conf.write_text(render(port, app_ports))
    return conf
