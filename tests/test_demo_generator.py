"""The demo generator is data plus a short script: the bundled demo template is exactly what
`tools/demo/` describes, and a mistake in a demo file names the file and the field."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "workspace_templates" / "demo"
if str(ROOT / "tools") not in sys.path:
    sys.path.insert(0, str(ROOT / "tools"))

import make_demo_workspace as gen  # noqa: E402
from demo import spec  # noqa: E402

from shipyard.core.errors import ValidationFailed  # noqa: E402
from shipyard.core.workspace.layout import PROJECT_OUTPUTS  # noqa: E402


@pytest.fixture(scope="module")
def demo() -> tuple[spec.DemoIndex, list[spec.Project]]:
    index = spec.load_index()
    return index, spec.load_projects(index)


def test_the_one_pagers_are_byte_identical_to_the_template(demo) -> None:
    _, projects = demo
    assert sorted(p.slug for p in projects) == sorted(
        d.name for d in (TEMPLATE / "projects").iterdir() if d.is_dir()
    )
    for project in projects:
        shipped = (TEMPLATE / "projects" / project.slug / "onepager.md").read_text("utf-8")
        assert gen.onepager_text(project) == shipped, project.slug


def test_the_samples_and_their_readme_are_byte_identical_to_the_template(demo) -> None:
    index, projects = demo
    samples = gen.build_samples(projects, index.seed)
    assert sorted(f"{s.name}.csv" for s in samples) == sorted(
        p.name for p in (TEMPLATE / "samples").glob("*.csv")
    )
    for sample in samples:
        shipped = (TEMPLATE / "samples" / f"{sample.name}.csv").read_bytes()
        assert sample.to_csv().encode("utf-8") == shipped, sample.name
    readme = (TEMPLATE / "samples" / "README.md").read_text("utf-8")
    assert gen.samples_readme(samples, index.seed) == readme
    # The README lists the samples in seed-stream order, each with its project and target.
    assert [s.name for s in samples] == [
        line.split("`")[1].removesuffix(".csv") for line in readme.splitlines() if line[:2] == "- "
    ]


def test_the_template_ships_runs_and_release_files_exactly_where_the_data_says(demo) -> None:
    index, projects = demo
    for project in projects:
        folder = TEMPLATE / "projects" / project.slug
        training = project.demo.training
        shipped = {name for name in PROJECT_OUTPUTS if (folder / name).exists()}
        if training is None:
            assert not shipped, project.slug
            continue
        assert project.slug in index.trained
        assert {"runs", "task.yaml", "champion.json", "data.yaml"} <= shipped, project.slug
        task = yaml.safe_load((folder / "task.yaml").read_text("utf-8"))
        assert task["target"] == project.demo.sample.target
        families = {run.name.split("-")[1] for run in (folder / "runs").iterdir()}
        assert families == set(training.families), project.slug
        release = {"model_card.md", "rollout.yaml", "flags.yaml"}
        assert (release <= shipped) == training.release, project.slug
        assert ("data_contract.yaml" in shipped) == training.contract, project.slug
        if training.release:
            flags = yaml.safe_load((folder / "flags.yaml").read_text("utf-8"))["flags"]
            keys = {flag["key"] for flag in flags}
            assert {extra.key for extra in training.extra_flags} <= keys, project.slug


def _write(tmp_path: Path, slug: str, edit) -> Path:
    path = tmp_path / f"{slug}.md"
    text = (spec.DATA / "projects" / f"{slug}.md").read_text("utf-8")
    path.write_text(edit(text), "utf-8")
    return path


def test_a_one_pager_typo_in_a_demo_file_names_the_file_and_the_field(tmp_path) -> None:
    path = _write(tmp_path, "churn-risk", lambda t: t.replace("\nstage:", "\nstgae:"))
    with pytest.raises(ValidationFailed) as err:
        spec.load_project(path)
    assert str(path) in str(err.value) and "stgae" in str(err.value)


def test_a_wrong_demo_setting_names_the_file_and_the_field(tmp_path) -> None:
    path = _write(tmp_path, "churn-risk", lambda t: t.replace("    target:", "    traget:"))
    with pytest.raises(ValidationFailed) as err:
        spec.load_project(path)
    message = str(err.value)
    assert str(path) in message
    assert "demo.sample.traget" in message and "demo.sample.target" in message


def test_a_demo_file_without_its_demo_section_is_refused(tmp_path) -> None:
    path = _write(tmp_path, "fraud-flag", lambda t: t.replace("\ndemo:", "\nspare:", 1))
    with pytest.raises(ValidationFailed, match="demo"):
        spec.load_project(path)


def test_two_projects_on_one_seed_stream_are_refused(tmp_path, demo) -> None:
    index, projects = demo
    for project in projects:
        _write(tmp_path, project.slug, lambda t: t)
    first, second = projects[0], projects[1]
    stream = f"    stream: {second.demo.sample.stream}\n"
    path = _write(
        tmp_path,
        second.slug,
        lambda t: t.replace(stream, f"    stream: {first.demo.sample.stream}\n"),
    )
    with pytest.raises(ValidationFailed) as err:
        spec.load_projects(index, tmp_path)
    message = str(err.value)
    assert str(path) in message and "demo.sample.stream" in message and first.slug in message


def test_a_project_trained_without_training_settings_is_refused(tmp_path, demo) -> None:
    index, _ = demo
    for slug in index.projects:
        _write(tmp_path, slug, lambda t: t)
    untrained = next(slug for slug in index.projects if slug not in index.trained)
    index = index.model_copy(update={"trained": [*index.trained, untrained]})
    with pytest.raises(ValidationFailed, match=r"demo\.training"):
        spec.load_projects(index, tmp_path)


def test_unknown_options_print_the_usage(capsys) -> None:
    assert gen.main(["--bogus"]) == 2
    assert "usage: make_demo_workspace.py [--runs-only]" in capsys.readouterr().err
