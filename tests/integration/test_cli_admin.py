"""`docflow agency add`, `docflow user add|passwd` as an operator runs them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.integration.test_cli_commands import assert_one_line_error, docflow, docflow_env


def docflow_stdin(
    *args: str, data_dir: Path, stdin: str, **extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "docflow.cli.main", *args],
        env=docflow_env(data_dir, **extra),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_agency_and_user_administration(database_url: str, tmp_path: Path) -> None:
    data = tmp_path / "var"
    env = {"DOCFLOW_DATABASE_URL": database_url}
    assert docflow("db", "upgrade", data_dir=data, **env).returncode == 0

    added = docflow(
        "agency",
        "add",
        "--code",
        "000.09.00.H30",
        "--code",
        "000.09.01.H30",
        "--name",
        "Sở Y tế tỉnh Hậu Giang",
        "--abbrev",
        "syt",
        data_dir=data,
        **env,
    )
    assert added.returncode == 0, added.stderr
    assert (
        "created agency SYT (000.09.00.H30, 000.09.01.H30) Sở Y tế tỉnh Hậu Giang" in added.stdout
    )

    child = docflow(
        "agency",
        "add",
        "--code",
        "000.09.02.H30",
        "--name",
        "Trung tâm Y tế",
        "--abbrev",
        "TTYT",
        "--parent",
        "SYT",
        data_dir=data,
        **env,
    )
    assert child.returncode == 0, child.stderr

    user = docflow_stdin(
        "user",
        "add",
        "syt.clerk",
        "--name",
        "Lê Thị Văn Thư",
        "--agency",
        "SYT",
        "--role",
        "clerk",
        "--role",
        "specialist",
        "--department",
        "Văn phòng Sở",
        "--password-stdin",
        data_dir=data,
        stdin="a-good-password\n",
        **env,
    )
    assert user.returncode == 0, user.stderr
    assert "created user syt.clerk (Lê Thị Văn Thư) roles clerk, specialist" in user.stdout
    assert "a-good-password" not in user.stdout + user.stderr

    changed = docflow_stdin(
        "user",
        "passwd",
        "syt.clerk",
        "--password-stdin",
        data_dir=data,
        stdin="another-password\n",
        **env,
    )
    assert changed.returncode == 0, changed.stderr

    bad_code = docflow(
        "agency", "add", "--code", "9.9.9", "--name", "X Y", "--abbrev", "XY", data_dir=data, **env
    )
    assert_one_line_error(bad_code, "wrong shape", "000.00.00.H30")
    bad_key = docflow(
        "agency",
        "add",
        "--code",
        "000.09.03.H30",
        "--name",
        "Sở Xây dựng",
        "--abbrev",
        "SXD",
        "--seal-key",
        "somewhere",
        data_dir=data,
        **env,
    )
    assert_one_line_error(bad_key, "PKCS#11 URI")
    sealed = docflow(
        "agency",
        "add",
        "--code",
        "000.09.04.H30",
        "--name",
        "Sở Xây dựng",
        "--abbrev",
        "SXD",
        "--seal-key",
        "pkcs11:token=docflow;object=sxd-seal",
        data_dir=data,
        **env,
    )
    assert sealed.returncode == 0, sealed.stderr
    duplicate = docflow_stdin(
        "user",
        "add",
        "syt.clerk",
        "--name",
        "Ai Đó",
        "--agency",
        "SYT",
        "--role",
        "clerk",
        "--password-stdin",
        data_dir=data,
        stdin="a-good-password\n",
        **env,
    )
    assert_one_line_error(duplicate, "already taken")
    unknown_agency = docflow_stdin(
        "user",
        "add",
        "x.clerk",
        "--name",
        "Ai Đó",
        "--agency",
        "NOPE",
        "--role",
        "clerk",
        "--password-stdin",
        data_dir=data,
        stdin="a-good-password\n",
        **env,
    )
    assert_one_line_error(unknown_agency, "NOPE")
    short = docflow_stdin(
        "user", "passwd", "syt.clerk", "--password-stdin", data_dir=data, stdin="x\n", **env
    )
    assert_one_line_error(short, "at least 10")
    nobody = docflow_stdin(
        "user", "passwd", "nobody", "--password-stdin", data_dir=data, stdin="long-enough\n", **env
    )
    assert_one_line_error(nobody, "nobody")


def test_demo_seeds_named_people_and_province_accounts(database_url: str, tmp_path: Path) -> None:
    data = tmp_path / "var"
    env = {"DOCFLOW_DATABASE_URL": database_url}
    assert docflow("db", "upgrade", data_dir=data, **env).returncode == 0
    seeded = docflow("demo", data_dir=data, **env)
    assert seeded.returncode == 0, seeded.stderr
    out = seeded.stdout
    assert "created user stttt.leader (Nguyễn Thị Hồng Nhung)" in out
    assert "created user ubndct.specialist (Bùi Thị Ngọc Hân)" in out
    assert "created user province.admin" in out and "created user province.auditor" in out
    for abbrev in ("ubnd", "vp", "stttt", "stc", "ubndvt", "ubndct"):
        for role in ("clerk", "leader", "specialist", "auditor", "admin"):
            assert f"{abbrev}.{role}" in out.splitlines()[-1]
