"""`vastaa demo` end to end: a real process that builds the database and serves the app."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx

from tests.browser.conftest import free_port


def test_the_demo_command_serves_the_scenario_and_prints_the_logins(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "VASTAA_DATA_DIR": str(tmp_path), "VASTAA_DATABASE_URL": ""}
    process = subprocess.Popen(
        [sys.executable, "-m", "vastaa.cli", "demo", "--no-browser", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output = _read_until(process, f"http://127.0.0.1:{port}/", lines=12)
        logins = re.findall(r"^\s+(\w+)\s+(\S+)\s+\((agent|supervisor|admin)\)$", output, re.M)
        assert {role for _, _, role in logins} == {"agent", "supervisor", "admin"}
        username, password, _ = logins[0]
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            _wait_for(client)
            page = client.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert token is not None
            client.post(
                "/login",
                data={"username": username, "password": password, "csrf_token": token.group(1)},
            )
            inbox = client.get("/")
        assert inbox.status_code == 200
        assert inbox.text.count('<tr class="row') == 50
        assert (tmp_path / "demo" / "demo.db").exists()
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def _read_until(process: subprocess.Popen[str], marker: str, lines: int) -> str:
    assert process.stdout is not None
    seen = []
    for _ in range(lines):
        line = process.stdout.readline()
        seen.append(line)
        if marker in line:
            seen.extend(process.stdout.readline() for _ in range(3))
            return "".join(seen)
    raise AssertionError("".join(seen))


def _wait_for(client: httpx.Client) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            client.get("/login")
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("the demo server did not start")
