"""The deploy kit's files are what nginx and gunicorn accept, not just text that looks right."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def test_gunicorn_accepts_the_config_file():
    gunicorn = Path(sys.executable).with_name("gunicorn")
    result = subprocess.run(
        [str(gunicorn), "-c", str(DEPLOY / "gunicorn.conf.py"), "--check-config", "wsgi:app"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HALL_WORKERS": "2"},
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
def test_nginx_accepts_the_site(tmp_path):
    if not Path(NGINX).exists() or not shutil.which("openssl"):
        pytest.skip("nginx comes from scripts/install-debian.sh nginx")
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=hall.test",
            "-keyout",
            str(tmp_path / "privkey.pem"),
            "-out",
            str(tmp_path / "fullchain.pem"),
        ],
        check=True,
        capture_output=True,
    )
    site = (DEPLOY / "nginx" / "hall.conf").read_text()
    site = site.replace("/etc/ssl/hall/", f"{tmp_path}/").replace(
        "/etc/nginx/snippets/hall-proxy.conf", str(DEPLOY / "nginx" / "hall-proxy.conf")
    )
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n include /etc/nginx/mime.types;\n include {tmp_path}/site.conf;\n}}\n"
    )
    result = subprocess.run(
        [
            NGINX,
            "-t",
            "-p",
            str(tmp_path),
            "-e",
            str(tmp_path / "start.log"),
            "-c",
            str(tmp_path / "nginx.conf"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
