"""gunicorn settings for one app host: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Each value can be changed through the environment the systemd unit gives (hall.env).
"""

import multiprocessing
import os
import shutil

bind = os.environ.get("HALL_BIND", "127.0.0.1:8000")
# Threads carry the display boards' 1 s polls, which mostly wait on the database.
worker_class = "gthread"
workers = int(os.environ.get("HALL_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("HALL_THREADS", "4"))
timeout = 30
graceful_timeout = 20
keepalive = 5
# Restart workers now and then, so a slow leak never grows for weeks.
max_requests = 5000
max_requests_jitter = 500
control_socket_disable = True
# nginx on this host is the only client; the app's ProxyFix (HALL_TRUSTED_PROXIES=1) reads
# X-Forwarded-For. gunicorn itself trusts X-Forwarded-Proto only from here.
forwarded_allow_ips = "127.0.0.1,::1"

# The app logs one JSON line per request with its request id (HALL_LOG_JSON=true), so
# gunicorn's own access log is off; its error log goes to the journal as JSON too.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("HALL_GUNICORN_LOG_LEVEL", "info")
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# /metrics adds up every worker's numbers through files in this folder (prometheus_client's
# multiprocess mode); it is emptied when the master starts and a dead worker's are dropped.
_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")


def on_starting(server):
    if _metrics_dir:
        shutil.rmtree(_metrics_dir, ignore_errors=True)
        os.makedirs(_metrics_dir, exist_ok=True)


def child_exit(server, worker):
    if _metrics_dir:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
