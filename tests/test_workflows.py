"""The contributor tooling: GitHub workflows (actionlint, and the safety rules of the
check workflow) and the pre-commit hooks.

The check workflow runs code from pull requests, forks included, so it must stay on
`pull_request` with a read-only token and no secrets; these tests keep it that way.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from support import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
CHECK = WORKFLOWS / "check.yml"
DEPLOY = WORKFLOWS / "deploy.yml"
LINKS = WORKFLOWS / "links.yml"
PRE_COMMIT = ROOT / ".pre-commit-config.yaml"
ACTIONLINT = Path(sys.executable).parent / "actionlint"


def load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name} is not a YAML mapping"
    return data


def triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    """The `on:` section. PyYAML follows YAML 1.1, where a bare `on` is the boolean True."""
    on = workflow["on"] if "on" in workflow else workflow.get(True)
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    assert isinstance(on, dict), f"no triggers (on:) in the workflow: {on!r}"
    return on


def steps(workflow: dict[Any, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(job id, step) for every step of every job."""
    for job_id, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield job_id, step


def runs(workflow: dict[Any, Any]) -> str:
    return "\n".join(str(step.get("run", "")) for _, step in steps(workflow))


def uses(workflow: dict[Any, Any]) -> list[str]:
    return [str(step["uses"]) for _, step in steps(workflow) if "uses" in step]


# --- actionlint -------------------------------------------------------------------------


def test_actionlint_is_installed() -> None:
    assert ACTIONLINT.is_file(), (
        f"actionlint is missing at {ACTIONLINT}: it is a test dependency in pyproject.toml; "
        "run `make setup` (or pip install -e '.[test]')"
    )


def test_workflows_pass_actionlint() -> None:
    assert ACTIONLINT.is_file(), f"actionlint is missing at {ACTIONLINT}; run `make setup`"
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert files, f"no workflows in {WORKFLOWS}"
    result = subprocess.run(
        [str(ACTIONLINT), "-no-color", *(str(f.relative_to(ROOT)) for f in files)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert output.strip() == "", output


# --- the check workflow: safe for pull requests from forks --------------------------------


def test_check_runs_on_pull_request_never_pull_request_target() -> None:
    on = triggers(load(CHECK))
    assert "pull_request" in on
    assert "pull_request_target" not in on
    code = [line for line in CHECK.read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith("#")]
    assert not any("pull_request_target" in line for line in code)


def test_check_token_is_read_only() -> None:
    workflow = load(CHECK)
    assert workflow.get("permissions") == {"contents": "read"}
    for job_id, job in workflow["jobs"].items():
        granted = job.get("permissions", {})
        assert isinstance(granted, dict), f"job {job_id}: permissions must be a mapping"
        assert all(level in ("read", "none") for level in granted.values()), f"job {job_id} asks for {granted}"


def test_check_uses_no_secrets() -> None:
    assert "secrets." not in CHECK.read_text(encoding="utf-8")


def test_check_leaves_no_credentials_in_the_checkout() -> None:
    checkouts = [step for _, step in steps(load(CHECK)) if str(step.get("uses", "")).startswith("actions/checkout@")]
    assert checkouts
    for step in checkouts:
        assert step.get("with", {}).get("persist-credentials") is False


def test_check_validates_builds_and_uploads_the_site() -> None:
    workflow = load(CHECK)
    commands = runs(workflow)
    assert "digest check --format github" in commands
    assert "make site" in commands
    assert commands.index("digest check --format github") < commands.index("make site")
    uploads = [step for _, step in steps(workflow) if str(step.get("uses", "")).startswith("actions/upload-artifact@")]
    assert len(uploads) == 1
    settings = uploads[0]["with"]
    assert settings["name"] == "site-preview"
    assert str(settings["path"]).rstrip("/") == "site"


# --- the deploy workflow ----------------------------------------------------------------------


def test_deploy_publishes_to_pages_from_main() -> None:
    workflow = load(DEPLOY)
    on = triggers(workflow)
    assert on["push"]["branches"] == ["main"]
    assert "pull_request" not in on and "pull_request_target" not in on
    assert workflow.get("permissions") == {"contents": "read"}
    actions = uses(workflow)
    assert any(a.startswith("actions/upload-pages-artifact@") for a in actions)
    assert any(a.startswith("actions/deploy-pages@") for a in actions)


def test_deploy_job_alone_can_write_pages() -> None:
    workflow = load(DEPLOY)
    deployers = [
        job_id for job_id, step in steps(workflow) if str(step.get("uses", "")).startswith("actions/deploy-pages@")
    ]
    assert len(deployers) == 1
    for job_id, job in workflow["jobs"].items():
        granted = job.get("permissions", {})
        if job_id == deployers[0]:
            assert granted.get("pages") == "write"
            assert granted.get("id-token") == "write"
        else:
            assert "write" not in granted.values(), f"job {job_id} asks for {granted}"


# --- the links workflow -----------------------------------------------------------------------


def test_links_runs_weekly_and_by_hand_only() -> None:
    on = triggers(load(LINKS))
    assert set(on) == {"schedule", "workflow_dispatch"}
    (cron,) = [item["cron"] for item in on["schedule"]]
    day, month, weekday = str(cron).split()[2:]
    assert (day, month) == ("*", "*") and weekday.isdigit(), f"not weekly: {cron}"


def test_links_token_is_read_only_and_uses_no_secrets() -> None:
    workflow = load(LINKS)
    assert workflow.get("permissions") == {"contents": "read"}
    for job_id, job in workflow["jobs"].items():
        granted = job.get("permissions", {})
        assert isinstance(granted, dict) and "write" not in granted.values(), f"job {job_id} asks for {granted}"
    assert "secrets." not in LINKS.read_text(encoding="utf-8")
    checkouts = [step for _, step in steps(workflow) if str(step.get("uses", "")).startswith("actions/checkout@")]
    assert checkouts and all(step.get("with", {}).get("persist-credentials") is False for step in checkouts)


def test_links_sets_up_checks_and_reports_in_the_job_summary() -> None:
    workflow = load(LINKS)
    commands = runs(workflow)
    assert "make setup" in commands
    assert commands.index("make setup") < commands.index("digest links")
    (step,) = [step for _, step in steps(workflow) if "digest links" in str(step.get("run", ""))]
    assert "--format markdown" in step["run"] and '"$GITHUB_STEP_SUMMARY"' in step["run"]
    assert "--write" not in step["run"] and "--archive" not in step["run"]
    assert step.get("shell") == "bash", "bash (with pipefail), so a pipe into tee keeps digest's exit status"


def test_actions_are_pinned_to_a_release() -> None:
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for action in uses(load(path)):
            ref = action.partition("@")[2]
            assert ref, f"{path.name}: {action} has no version"
            assert ref not in ("main", "master", "HEAD"), f"{path.name}: {action} follows a branch"


# --- pre-commit ---------------------------------------------------------------------------------


def test_pre_commit_hooks_run_digest_check() -> None:
    config = load(PRE_COMMIT)
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    checkers = [hook for hook in hooks if "digest check" in hook["entry"]]
    assert checkers, "no pre-commit hook runs `digest check`"
    for hook in checkers:
        assert hook["language"] == "system"
        assert hook["entry"].startswith(".venv/bin/digest check")

    def hook_for(path: str) -> dict[str, Any]:
        matching = [hook for hook in checkers if re.search(hook["files"], path)]
        assert len(matching) == 1, f"{path}: {len(matching)} digest hooks match"
        return matching[0]

    # Staged entries are checked one by one; a taxonomy change re-checks everything.
    assert hook_for("content/entries/2026/china-sought-anthropic-model-access.md")["pass_filenames"] is True
    assert hook_for("content/actors.yml")["pass_filenames"] is False
    assert hook_for("content/topics.yml")["pass_filenames"] is False
    assert not any(re.search(hook["files"], "generator/cli.py") for hook in checkers)


# --- the check workflow annotates what a pull request changes -----------------------------


def _step(workflow: dict[Any, Any], name: str) -> str:
    return next(str(step["run"]) for _, step in steps(workflow) if step.get("name") == name)


def test_check_annotates_only_the_files_a_pull_request_changes(tmp_path: Path) -> None:
    """The workflow's own scripts, run on a pull request's merge commit: the changed
    entry is annotated; the base's warnings are one line in the log; an error in a
    file the pull request did not touch is listed and fails the check."""
    from support import copy_site

    project = copy_site(tmp_path / "project")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "init.defaultBranch=main"]

    def sh(*args: str) -> None:
        subprocess.run([*git, *args], cwd=project, check=True, capture_output=True)

    sh("init", "-q")
    sh("add", "-A")
    sh("commit", "-q", "-m", "base")
    sh("checkout", "-q", "-b", "pr")
    entry = project / "content/entries/2026/huawei-ascend-guidance.md"
    text = entry.read_text(encoding="utf-8")
    entry.write_text(text.replace("sources:\n", "sources:\n  - publisher: Reuters\n", 1), encoding="utf-8")
    sh("commit", "-q", "-am", "a source without a URL")
    sh("checkout", "-q", "main")
    sh("merge", "-q", "--no-ff", "-m", "merge", "pr")  # what pull_request checks out
    (project / ".venv").symlink_to(ROOT / ".venv")
    env = {"PATH": "/usr/bin:/bin", "RUNNER_TEMP": str(tmp_path), "HOME": str(tmp_path), "NO_MKDOCS_2_WARNING": "1"}
    workflow = load(CHECK)

    def step(name: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", "-e", "-c", _step(workflow, name)], cwd=project, env=env, capture_output=True, text=True, check=False)

    assert step("List the files this pull request changes").returncode == 0
    assert (tmp_path / "changed.txt").read_text(encoding="utf-8") == "content/entries/2026/huawei-ascend-guidance.md\n"
    checked = step("Check entries and taxonomy (digest check)")
    assert checked.returncode == 0, checked.stderr
    annotations = checked.stdout.splitlines()
    assert annotations and all(a.startswith("::warning file=content/entries/2026/huawei-ascend-guidance.md,") for a in annotations)
    assert any("title=sources[0].url::no URL" in a for a in annotations)
    # The base's own warning (a UN source without a URL) is counted, not annotated.
    assert "not changed here" in checked.stderr

    broken = project / "content/entries/2026/un-ai-dialogue-opens.md"
    broken.write_text(broken.read_text(encoding="utf-8").replace("date: 2026-04-20", "date: 2026-13-01"), encoding="utf-8")
    failed = step("Check entries and taxonomy (digest check)")
    assert failed.returncode == 1
    assert not [a for a in failed.stdout.splitlines() if "un-ai-dialogue-opens" in a]
    assert any(line.startswith("content/entries/2026/un-ai-dialogue-opens.md:3:7: error: date:") for line in failed.stderr.splitlines())


def test_deploy_runs_every_day_so_entries_appear_on_their_date() -> None:
    schedule = triggers(load(DEPLOY)).get("schedule")
    assert schedule, "deploy.yml has no schedule"
    minute, hour, day, month, weekday = str(schedule[0]["cron"]).split()
    assert (day, month, weekday) == ("*", "*", "*") and hour.isdigit() and minute.isdigit()
    # Scheduled runs build main as it is: no step may depend on a push event.
    assert "github.event.head_commit" not in DEPLOY.read_text(encoding="utf-8")
