"""The deploy kit's files are what nginx and gunicorn accept, not just text that looks right."""

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SYSTEMD = DEPLOY / "systemd"


def _exec_starts() -> list[tuple[str, list[str]]]:
    return [
        (unit.name, shlex.split(line.removeprefix("ExecStart=")))
        for unit in sorted(SYSTEMD.glob("*.service"))
        for line in unit.read_text().splitlines()
        if line.startswith("ExecStart=")
    ]


def test_every_flask_command_a_unit_runs_exists_with_its_options(runner):
    """systemd cannot run here; what a unit starts can still be checked: each flask command
    line, options included, is one the app's CLI accepts."""
    flask_lines = [(name, argv) for name, argv in _exec_starts() if argv[0].endswith("/flask")]
    assert {name for name, _argv in flask_lines} == {
        "hall-notify.service",
        "hall-purge.service",
        "hall-no-shows.service",
    }
    for name, argv in flask_lines:
        assert argv[1:3] == ["--app", "wsgi"], name
        result = runner.invoke(args=[*argv[3:], "--help"])
        assert result.exit_code == 0, f"{name}: {argv[3:]}: {result.output}"


def test_each_timer_starts_its_own_service():
    timers = {unit.stem for unit in SYSTEMD.glob("*.timer")}
    assert timers == {"hall-purge", "hall-no-shows"}
    assert all((SYSTEMD / f"{name}.service").exists() for name in timers)


def test_systemd_accepts_the_units_as_installed(tmp_path):
    """`systemd-analyze verify` parses every unit and timer and checks each command exists,
    with the /srv/hall paths pointed at this checkout and its virtualenv."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze comes with Debian's systemd package")
    venv = Path(sys.executable).parents[1]
    for unit in SYSTEMD.iterdir():
        text = unit.read_text().replace("/srv/hall/venv", str(venv))
        (tmp_path / unit.name).write_text(text.replace("/srv/hall/current", str(ROOT)))
    units = sorted(str(path) for path in tmp_path.iterdir())
    result = subprocess.run([analyze, "verify", *units], capture_output=True, text=True)
    assert result.returncode == 0 and result.stderr == "", result.stderr


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
