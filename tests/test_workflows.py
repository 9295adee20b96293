"""GitHub Actions workflows and pre-commit hooks: valid files, and every command they run is tested."""

from __future__ import annotations

import ast
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from pre_commit.clientlib import load_config, load_manifest

from generator.cli import cli
from generator.yamlio import loads

REPO_ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = REPO_ROOT / ".github" / "workflows"
FIXTURE = REPO_ROOT / "tests" / "fixtures" / "editing" / "data"
BIN = Path(sys.executable).parent
FORUM = "data/letters/2026/09/HF-2026-00017.yaml"

# Every wenzheng and make command line the workflows run (program, subcommand, options), with the
# test that runs the same subcommand with those options. test_workflow_commands_are_tested reads
# each named test's source to confirm it really passes them.
COVERED = {
    ("wenzheng", "validate", ("--format",)): "tests/test_workflows.py::test_validate_github_annotations",
    ("wenzheng", "check-change", ("--author", "--base", "--format", "--head")):
        "tests/test_gitcheck.py::test_check_change_command_formats",
    ("wenzheng", "check-change", ("--base", "--head", "--summary")):
        "tests/test_gitcheck.py::test_summary_lists_light_and_figure_changes",
    ("wenzheng", "build", ("--strict",)): "tests/test_workflows.py::test_strict_build_at_build_time",
    ("wenzheng", "build", ("--as-of", "--strict")): "tests/test_workflows.py::test_strict_build_at_build_time",
    # make test is the test suite itself; the check is that the Makefile's test target runs pytest.
    ("make", "test", ()): "Makefile::test",
}


def git_env(author: str = "wzb-chen", date: str = "2026-09-21T10:00:00+08:00") -> dict:
    return {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": author, "GIT_AUTHOR_EMAIL": f"{author}@example.org", "GIT_AUTHOR_DATE": date,
            "GIT_COMMITTER_NAME": author, "GIT_COMMITTER_EMAIL": f"{author}@example.org",
            "GIT_COMMITTER_DATE": date}


def make_repo(path: Path) -> Path:
    """Create a Git repository holding the editing fixtures and the repository's policy."""
    shutil.copytree(FIXTURE, path / "data")
    shutil.copy(REPO_ROOT / "data" / "policy.yaml", path / "data")
    for command in (["init", "-q", "-b", "main"], ["add", "-A"],
                    ["commit", "-q", "-m", "Import the September letters\n\nBackfill: true"]):
        subprocess.run(["git", "-C", str(path), *command], env=git_env(), check=True, capture_output=True)
    return path


def workflow(name: str) -> dict:
    # The strict loader keeps the key 'on' a string; YAML 1.1 readers turn it into True.
    return loads((WORKFLOWS / name).read_text(encoding="utf-8"))


# The workflow files

def test_workflows_pass_github_schema():
    files = sorted(str(path) for path in WORKFLOWS.glob("*.yml"))
    assert [Path(file).name for file in files] == ["publish.yml", "pull-request.yml"]
    result = subprocess.run([str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *files],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok -- validation done" in result.stdout


def test_schema_check_rejects_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("name: Broken\non: push\njobs:\n  build:\n    steps:\n      - run: make test\n",
                      encoding="utf-8")  # no runs-on
    result = subprocess.run([str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows",
                             str(broken)], capture_output=True, text=True, check=False)
    assert result.returncode == 1


def test_publish_triggers_and_pages_deployment():
    publish = workflow("publish.yml")
    assert publish["on"]["push"] == {"branches": ["main"]}
    assert publish["on"]["schedule"] == [{"cron": "10 16 * * *"}]  # 00:10 in Beijing
    assert "workflow_dispatch" in publish["on"]
    assert publish["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert publish["concurrency"] == {"group": "pages", "cancel-in-progress": True}
    steps = publish["jobs"]["build"]["steps"] + publish["jobs"]["deploy"]["steps"]
    uses = [step["uses"].split("@")[0] for step in steps if "uses" in step]
    assert uses == ["actions/checkout", "actions/setup-python", "actions/cache", "actions/configure-pages",
                    "actions/upload-pages-artifact", "actions/deploy-pages"]
    assert steps[0]["with"]["fetch-depth"] == 0
    build = next(step["run"] for step in steps if "wenzheng build" in step.get("run", ""))
    assert 'wenzheng build --strict --as-of "$BUILT_AT"' in build


def test_pull_request_checks_with_full_history():
    job = workflow("pull-request.yml")["jobs"]["check"]
    assert job["steps"][0]["with"]["fetch-depth"] == 0
    assert job["env"] == {"BASE_SHA": "${{ github.event.pull_request.base.sha }}", "HEAD_SHA": "${{ github.sha }}",
                          "AUTHOR": "${{ github.event.pull_request.user.login }}"}
    runs = [step["run"] for step in job["steps"] if "run" in step]
    assert 'wenzheng check-change --summary --base "$BASE_SHA" --head "$HEAD_SHA" >> "$GITHUB_STEP_SUMMARY"' in runs


def workflow_commands() -> set[tuple[str, str, tuple[str, ...]]]:
    """Return (program, subcommand, sorted options) of every wenzheng and make command in the workflows."""
    found = set()
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for job in workflow(path.name)["jobs"].values():
            for step in job.get("steps", []):
                script = step.get("run", "").replace("\\\n", " ")
                for line in script.splitlines():
                    for part in re.split(r"&&|\|\||;|\|", line):
                        part = re.split(r"\s\d?>>?\s", part)[0]
                        words = shlex.split(part, comments=True)
                        if words and Path(words[0]).name in ("wenzheng", "make"):
                            options = tuple(sorted({word.split("=")[0] for word in words[2:] if word.startswith("--")}))
                            found.add((Path(words[0]).name, words[1], options))
    return found


def test_workflow_commands_are_tested():
    assert workflow_commands() == set(COVERED)
    for (program, subcommand, options), test in COVERED.items():
        file, name = test.split("::")
        source = (REPO_ROOT / file).read_text(encoding="utf-8")
        if file == "Makefile":
            assert re.search(rf"^{name}:.*\n\t.*-m pytest", source, re.MULTILINE), test
            continue
        functions = {node.name: ast.get_source_segment(source, node) for node in ast.parse(source).body
                     if isinstance(node, ast.FunctionDef)}
        assert name in functions, f"{test} does not exist"
        for word in (subcommand, *options):
            assert f'"{word}"' in functions[name], f"{test} never passes {word}"


# The commands the workflows run

def test_validate_github_annotations(tmp_path, monkeypatch):
    make_repo(tmp_path)
    monkeypatch.chdir(tmp_path)
    path = Path(FORUM)
    path.write_text(path.read_text(encoding="utf-8").replace("channel: forum", "channel: fax"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", "--format", "github"])
    assert result.exit_code == 1
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error")]
    assert errors == [(
        "::error file=data/letters/2026/09/HF-2026-00017.yaml,line=4,col=10,title=channel::channel: is not one "
        "of the allowed values (expected one of leader_mailbox, forum, microblog, mobile, online_petition, hotline, "
        "found 'fax'); pick one of the allowed values")]


# pygal's import hook warns on Python 3.11 when the site's charts module loads it.
@pytest.mark.filterwarnings("ignore:PluginImportFixer:ImportWarning")
def test_strict_build_at_build_time(tmp_path, monkeypatch):
    import generator.site.build as site_build

    make_repo(tmp_path / "repo")
    monkeypatch.chdir(tmp_path / "repo")
    # Render into this test's folder, so a build running in another test process cannot collide.
    monkeypatch.setattr(site_build, "GENERATED_DOCS", tmp_path / "generated")
    result = CliRunner().invoke(cli, ["build", "--strict", "--as-of", "2026-09-30T00:10:00+08:00",
                                      "--site-dir", str(tmp_path / "site")])
    assert result.exit_code == 0, result.output
    home = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "2026-09-30T00:10:00+08:00" in home  # the build time, from which the page judges staleness


# pre-commit

def test_pre_commit_manifest_offers_validate_hook():
    (hook,) = load_manifest(str(REPO_ROOT / ".pre-commit-hooks.yaml"))
    assert (hook["id"], hook["entry"], hook["files"], hook["pass_filenames"]) == (
        "wenzheng-validate", "wenzheng validate", "^data/", True)


def local_hooks_config() -> dict:
    """Return this repository's pre-commit configuration without the hooks fetched over the network."""
    config = yaml.safe_load((REPO_ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    load_config(str(REPO_ROOT / ".pre-commit-config.yaml"))  # raises when the file is invalid
    config["repos"] = [repo for repo in config["repos"] if repo["repo"] == "local"]
    return config


def run_pre_commit(repo: Path, *files: str) -> subprocess.CompletedProcess:
    subprocess.run(["git", "-C", str(repo), "add", "-A"], env=git_env(), check=True)
    env = {**git_env(), "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
           "PRE_COMMIT_HOME": str(repo.parent / "pre-commit-home")}
    return subprocess.run([sys.executable, "-m", "pre_commit", "run", "--color", "never", "--files", *files],
                          cwd=repo, env=env, capture_output=True, text=True, check=False)


@pytest.mark.parametrize("old, new, message", [
    ("channel: forum", "channel: fax", "channel: is not one of the allowed values"),
    ("  - county-housing\n", "  - county-works\n", "assignment.departments[1]: names an unknown department"),
    ("ratings:", "related:\n- HF-2026-09999\nratings:", "related[0]: links to a letter that does not exist"),
])
def test_pre_commit_hook_rejects_bad_letter(tmp_path, old, new, message):
    repo = make_repo(tmp_path / "repo")
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(local_hooks_config()), encoding="utf-8")
    assert run_pre_commit(repo, FORUM).returncode == 0
    letter = repo / FORUM
    letter.write_text(letter.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    result = run_pre_commit(repo, FORUM)
    assert result.returncode == 1
    assert message in result.stdout
