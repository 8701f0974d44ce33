import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_django(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh Python with Django set up under the given environment.

    Settings are read at start-up, so production mode and broken databases are tried in
    a process of their own rather than patched into this one.
    """
    args, kwargs = _django_process(code, env)
    return subprocess.run(args, **kwargs, capture_output=True, text=True, timeout=120)


def start_django(code: str, **env: str) -> subprocess.Popen[str]:
    """``run_django`` without waiting for it: for processes that must run side by side.
    Its stdout is a pipe to read, line by line or with communicate()."""
    args, kwargs = _django_process(code, env)
    return subprocess.Popen(
        args, **kwargs, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _django_process(code: str, env: dict[str, str]) -> tuple[list[str], dict]:
    script = "import django; django.setup()\n" + code
    full_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "studygroup.settings", **env}
    full_env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests only
    return [sys.executable, "-c", script], {"cwd": ROOT, "env": full_env}


def production_env(**extra: str) -> dict[str, str]:
    return {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "test-only-" + "x7Kp2Qm9Zr4Wt8Ys6Vb3Nd5Hf1Lj0Gc" * 2,
        "DJANGO_ALLOWED_HOSTS": "testserver,localhost,studygroup.example",
        "DJANGO_SITE_URL": "https://studygroup.example",
        **extra,
    }
